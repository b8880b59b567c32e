package dev.ep4j.api.config;

/**
 * One measured point of a GPU's SM copy throughput: a copy kernel of {@code blocks} blocks of
 * {@code threadsPerBlock} threads moved {@code copyGBps} (bytes read plus bytes written per second). Nested in
 * {@link SharedGpuSpec#smCopyCurve()}.
 *
 * <p>The canonical constructor validates the ranges and throws {@link dev.ep4j.api.error.ConfigException} naming
 * the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param blocks          blocks of the probe kernel, in {@code [1, 1048576]}.
 * @param threadsPerBlock threads per block, in {@code [32, 1024]}.
 * @param copyGBps        bytes read plus bytes written per second, GB/s, in {@code (0, 1e6]}.
 */
public record SmCopyPoint(int blocks, int threadsPerBlock, double copyGBps) {
    private static final String TYPE = "SmCopyPoint";

    /**
     * Validates the ranges.
     *
     * @param blocks blocks of the probe kernel, in {@code [1, 1048576]}.
     * @param threadsPerBlock threads per block, in {@code [32, 1024]}.
     * @param copyGBps bytes read plus bytes written per second, GB/s, in {@code (0, 1e6]}.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public SmCopyPoint {
        Check.range(TYPE, "blocks", blocks, 1, 1 << 20);
        Check.range(TYPE, "threadsPerBlock", threadsPerBlock, 32, 1024);
        Check.bandwidthGBps(TYPE, "copyGBps", copyGBps);
    }
}
