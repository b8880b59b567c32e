package dev.ep4j.sim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void shouldRoundTransferTimesUpToTheNextPicosecond() {
        // 7 bytes at 3 B/s = 2.333... s -> 2_333_333_333_334 ps.
        assertThat(Durations.transferPs(7L, 3L)).isEqualTo(2_333_333_333_334L);
        // Exact cases stay exact: 1 MB at 100 GB/s = 10 us.
        assertThat(Durations.transferPs(1_000_000L, 100_000_000_000L)).isEqualTo(10_000_000L);
        // One byte at 48.5 GB/s = 20.618... ps -> 21 ps.
        assertThat(Durations.transferPs(1L, 48_500_000_000L)).isEqualTo(21L);
        assertThat(Durations.transferPs(0L, 1L)).isZero();
    }

    @Test
    void shouldStayExactForTransfersWhoseProductOverflowsALong() {
        // 1 GB * 10^12 = 10^21 > 2^63: the 128-bit path. 1 GB at 48.5 GB/s = 20.618556701030927... ms.
        assertThat(Durations.transferPs(1_000_000_000L, 48_500_000_000L)).isEqualTo(20_618_556_702L);
        final SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            final long bytes = rnd.nextLong(1L << 40);
            final long rate = 1L + rnd.nextLong(1L << 45);
            final BigInteger[] qr = BigInteger.valueOf(bytes).multiply(BigInteger.valueOf(Durations.PS_PER_SECOND))
                .divideAndRemainder(BigInteger.valueOf(rate));
            final BigInteger ceil = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
            if (ceil.bitLength() < 64) {
                assertThat(Durations.transferPs(bytes, rate)).as("%d B at %d B/s", bytes, rate)
                    .isEqualTo(ceil.longValueExact());
            }
        }
    }

    @Test
    void shouldConvertRatesAndRejectNonsense() {
        assertThat(Durations.bytesIn(100_000_000_000L, 10_000_000L)).isEqualTo(1_000_000L);
        assertThat(Durations.bytesIn(3L, 1_000_000_000_000L - 1L)).isEqualTo(2L);
        assertThat(Durations.bytesPerSecFromGBps(48.5)).isEqualTo(48_500_000_000L);
        assertThatThrownBy(() -> Durations.transferPs(1L, 0L)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("rateBytesPerSec=0");
        assertThatThrownBy(() -> Durations.transferPs(-1L, 5L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Durations.transferPs(Long.MAX_VALUE, 1L)).isInstanceOf(ArithmeticException.class);
    }
}
