package dev.ep4j.cuda;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;

/**
 * The copy-bandwidth probe: the device-to-device copy ceiling that benchmark tables put next to dispatch and combine
 * figures. Each run copies {@code bytes} between two fresh device buffers on a private stream, times every copy with
 * CUDA events and reports the median, counting bytes read plus bytes written (an H100 measured about 3.0 TB/s this
 * way, an H200 about 4.3 TB/s).
 *
 * <p>Stateless and thread-safe; each call allocates and frees {@code 2 × bytes} of device memory on the calling
 * thread's current device.
 */
public final class CopyBandwidth {
    private CopyBandwidth() {
    }

    /** How the bytes are copied. */
    public enum Mode {
        /** {@code cudaMemcpyAsync} device to device (copy engines or the driver's kernel). */
        MEMCPY(0),
        /** ep4j's SM copy kernel: 16-byte loads and stores over all SMs, the path NVLink-store kernels take. */
        SM_KERNEL(1);

        private final int code;

        Mode(final int code) {
            this.code = code;
        }
    }

    /**
     * One probe result.
     *
     * @param bytes          bytes copied per iteration.
     * @param mode           how they were copied.
     * @param iterations     timed copies.
     * @param medianSeconds  median time of one copy in seconds.
     * @param minSeconds     fastest copy in seconds.
     * @param maxSeconds     slowest copy in seconds.
     * @param bytesPerSecond {@code 2 × bytes / medianSeconds}: bytes read plus written per second.
     */
    public record Result(long bytes, Mode mode, int iterations, double medianSeconds, double minSeconds,
                         double maxSeconds, double bytesPerSecond) {
        /**
         * @return {@link #bytesPerSecond()} in GB/s (10⁹ bytes per second).
         */
        public double gbPerSecond() {
            return bytesPerSecond / 1e9;
        }
    }

    /**
     * Measures one copy size.
     *
     * @param bytes      bytes per copy, at least 16.
     * @param iterations timed copies, 1 to 100000; the median of them is reported.
     * @param warmup     untimed copies before, at least 0.
     * @param mode       the copy path.
     * @return the timing.
     * @throws dev.ep4j.api.error.BackendUnavailableException when no GPU can be used.
     * @throws dev.ep4j.api.error.CudaException when an allocation or the copy fails.
     */
    public static Result measure(final long bytes, final int iterations, final int warmup, final Mode mode) {
        if (bytes < 16 || iterations < 1 || iterations > 100_000 || warmup < 0) {
            throw new InvalidInputException("CopyBandwidth.measure: need bytes=" + bytes + " >= 16, iterations="
                + iterations + " in [1, 100000] and warmup=" + warmup + " >= 0");
        }
        Cuda.ensureAvailable();
        final double[] out = new double[4];
        NativeErrors.check(Ep4jKernels.ep4j_copy_bandwidth(bytes, iterations, warmup, mode.code, out),
            "CopyBandwidth.measure");
        return new Result(bytes, mode, iterations, out[0], out[1], out[2], out[3]);
    }
}
