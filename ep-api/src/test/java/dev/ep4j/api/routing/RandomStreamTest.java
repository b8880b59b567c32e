package dev.ep4j.api.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RandomStreamTest {

    @Test
    void shouldReproduceFrozenOutputs() {
        // Golden values: they pin the key derivation, xoshiro256** and Box-Muller. A change here changes every
        // generated routing in every scenario; make it only deliberately and update these values with it.
        final RandomStream bits = RandomStream.of(42, 7, 3);
        assertThat(bits.nextLong()).isEqualTo(0x35B899E73898E1E7L);
        assertThat(bits.nextLong()).isEqualTo(0x798BB0566EB71778L);
        assertThat(bits.nextLong()).isEqualTo(0xCBFED13483FBD15DL);

        final RandomStream normal = RandomStream.of(42, 7, 3);
        assertThat(Double.doubleToRawLongBits(normal.nextGaussian())).isEqualTo(-4619092238945801689L);
        assertThat(Double.doubleToRawLongBits(normal.nextGaussian())).isEqualTo(4592466164842781286L);
        assertThat(Double.doubleToRawLongBits(normal.nextGaussian())).isEqualTo(-4613395731062386461L);
    }

    @Test
    void shouldBeIdenticalForSameKey() {
        final RandomStream a = RandomStream.of(5, 1, 9);
        final RandomStream b = RandomStream.of(5, 1, 9);
        for (int i = 0; i < 1000; i++) {
            assertThat(a.nextLong()).isEqualTo(b.nextLong());
        }
    }

    @Test
    void shouldDifferForEachKeyComponent() {
        final long base = RandomStream.of(5, 1, 9).nextLong();
        assertThat(RandomStream.of(6, 1, 9).nextLong()).isNotEqualTo(base);
        assertThat(RandomStream.of(5, 2, 9).nextLong()).isNotEqualTo(base);
        assertThat(RandomStream.of(5, 1, 10).nextLong()).isNotEqualTo(base);
        // swapping stream id and substream must not alias
        assertThat(RandomStream.of(5, 9, 1).nextLong()).isNotEqualTo(base);
    }

    @Test
    void shouldDrawBoundedIntsUniformly() {
        final RandomStream stream = RandomStream.of(1, 2, 3);
        final int bound = 7;
        final int draws = 70_000;
        final int[] counts = new int[bound];
        for (int i = 0; i < draws; i++) {
            final int v = stream.nextInt(bound);
            assertThat(v).isBetween(0, bound - 1);
            counts[v]++;
        }
        final double expected = (double) draws / bound;
        double chiSquare = 0;
        for (final int c : counts) {
            chiSquare += (c - expected) * (c - expected) / expected;
        }
        assertThat(chiSquare).as("chi-square with 6 degrees of freedom").isLessThan(22.5); // p ~ 0.001
        assertThat(RandomStream.of(1, 2, 3).nextInt(1)).isZero();
        assertThatThrownBy(() -> stream.nextInt(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldDrawDoublesInTheirIntervals() {
        final RandomStream stream = RandomStream.of(8, 8, 8);
        for (int i = 0; i < 10_000; i++) {
            assertThat(stream.nextDouble()).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
            assertThat(stream.nextOpenDouble()).isGreaterThan(0.0).isLessThan(1.0);
        }
    }

    @Test
    void shouldDrawStandardNormals() {
        final RandomStream stream = RandomStream.of(11, 12, 13);
        final int n = 200_000;
        double sum = 0;
        double sumSquares = 0;
        int beyondTwoSigma = 0;
        for (int i = 0; i < n; i++) {
            final double g = stream.nextGaussian();
            assertThat(Double.isFinite(g)).isTrue();
            sum += g;
            sumSquares += g * g;
            beyondTwoSigma += Math.abs(g) > 2 ? 1 : 0;
        }
        final double mean = sum / n;
        assertThat(mean).isCloseTo(0.0, within(0.01));
        assertThat(sumSquares / n - mean * mean).isCloseTo(1.0, within(0.015));
        assertThat((double) beyondTwoSigma / n).isCloseTo(0.0455, within(0.003));
    }
}
