package dev.ep4j.sim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactMathTest {
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    @Test
    void shouldMatchBigIntegerOnRandomOperandsOfEveryMagnitude() {
        final SplittableRandom rnd = new SplittableRandom(42);
        int checked = 0;
        for (int i = 0; i < 200_000; i++) {
            final long a = randomMagnitude(rnd);
            final long b = randomMagnitude(rnd);
            final long c = rnd.nextInt(4) == 0 ? 0L : randomMagnitude(rnd);
            final long d = Math.max(1L, randomMagnitude(rnd));
            final BigInteger num = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.valueOf(c));
            final BigInteger[] qr = num.divideAndRemainder(BigInteger.valueOf(d));
            final BigInteger floor = qr[0];
            final BigInteger ceil = qr[1].signum() == 0 ? floor : floor.add(BigInteger.ONE);
            if (floor.compareTo(LONG_MAX) > 0) {
                assertThatThrownBy(() -> ExactMath.mulAddDivFloor(a, b, c, d)).isInstanceOf(ArithmeticException.class);
                continue;
            }
            assertThat(ExactMath.mulAddDivFloor(a, b, c, d)).as("floor((%d*%d+%d)/%d)", a, b, c, d)
                .isEqualTo(floor.longValueExact());
            if (ceil.compareTo(LONG_MAX) <= 0) {
                assertThat(ExactMath.mulAddDivCeil(a, b, c, d)).as("ceil((%d*%d+%d)/%d)", a, b, c, d)
                    .isEqualTo(ceil.longValueExact());
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(50_000);
    }

    @Test
    void shouldDivideExactlyWhenTheProductNeedsAll128Bits() {
        // (2^62 - 1) * (2^62 - 1) / (2^62 - 1) = 2^62 - 1, through the long-division path.
        final long m = (1L << 62) - 1;
        assertThat(ExactMath.mulDivFloor(m, m, m)).isEqualTo(m);
        assertThat(ExactMath.mulDivCeil(m, m, m)).isEqualTo(m);
        assertThat(ExactMath.mulDivFloor(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(ExactMath.mulDivFloor(Long.MAX_VALUE, 3L, 4L))
            .isEqualTo(BigInteger.valueOf(Long.MAX_VALUE).multiply(BigInteger.valueOf(3)).divide(BigInteger
                .valueOf(4)).longValueExact());
        assertThatThrownBy(() -> ExactMath.mulDivFloor(Long.MAX_VALUE, 2L, 1L))
            .isInstanceOf(ArithmeticException.class).hasMessageContaining("divisor=1");
    }

    @Test
    void shouldCompareFractionsExactlyWhereDoublesCannot() {
        // 10^18/3 vs (10^18+1)/3 differ by 1/3, far below double resolution at that magnitude.
        assertThat(ExactMath.compareFractions(1_000_000_000_000_000_000L, 3L, 1_000_000_000_000_000_001L, 3L))
            .isNegative();
        assertThat(ExactMath.compareFractions(6L, 4L, 3L, 2L)).isZero();
        assertThat(ExactMath.compareFractions(Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE - 1,
            Integer.MAX_VALUE)).isPositive();
        final SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            final long n1 = randomMagnitude(rnd);
            final long n2 = randomMagnitude(rnd);
            final long d1 = 1 + rnd.nextInt(Integer.MAX_VALUE);
            final long d2 = 1 + rnd.nextInt(Integer.MAX_VALUE);
            final int expected = BigInteger.valueOf(n1).multiply(BigInteger.valueOf(d2))
                .compareTo(BigInteger.valueOf(n2).multiply(BigInteger.valueOf(d1)));
            assertThat(Integer.signum(ExactMath.compareFractions(n1, d1, n2, d2))).isEqualTo(expected);
        }
    }

    static long randomMagnitude(final SplittableRandom rnd) {
        final int bits = rnd.nextInt(64);
        return bits == 0 ? 0L : rnd.nextLong() >>> (64 - bits);
    }
}
