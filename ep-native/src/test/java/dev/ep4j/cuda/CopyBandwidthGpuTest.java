package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Smoke test of the copy-bandwidth probe: plausible, ordered numbers for both copy paths. */
@Tag("gpu")
class CopyBandwidthGpuTest {
    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
    }

    @Test
    void shouldMeasureAPlausibleDeviceToDeviceCopyRate() {
        for (final CopyBandwidth.Mode mode : CopyBandwidth.Mode.values()) {
            final CopyBandwidth.Result r = CopyBandwidth.measure(256L << 20, 20, 3, mode);
            System.out.printf("copy bandwidth %s 256 MiB: %.1f GB/s (median %.1f us)%n", mode, r.gbPerSecond(),
                r.medianSeconds() * 1e6);
            assertThat(r.minSeconds()).isPositive().isLessThanOrEqualTo(r.medianSeconds());
            assertThat(r.medianSeconds()).isLessThanOrEqualTo(r.maxSeconds());
            // an H100 does about 3000 GB/s read + written; anything below 100 means the probe is broken
            assertThat(r.gbPerSecond()).isBetween(100.0, 20_000.0);
        }
    }

    @Test
    void shouldHandleSizesThatAreNotAMultipleOf16() {
        final CopyBandwidth.Result r = CopyBandwidth.measure((1 << 20) + 13, 5, 1, CopyBandwidth.Mode.SM_KERNEL);
        assertThat(r.bytesPerSecond()).isPositive();
    }
}
