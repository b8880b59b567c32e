package dev.ep4j.api.config;

import java.util.List;

/**
 * Virtual ranks on one GPU, nested as {@code "sharedGpu"} in a {@link TopologyConfig}: every rank of the (single)
 * node runs on the same physical GPU, so the ranks' "NVLink" traffic is that GPU's HBM traffic and their blocks share
 * its SMs and memory system. Its sources are keyed {@code sharedGpu.<field>} in the topology's {@code sources}.
 *
 * <p>The facts are measured on the GPU, not fitted to the kernels: the device-to-device copy ceiling, and the SM copy
 * throughput of a probe kernel at several grid sizes, with the bytes each probe thread keeps in flight (so a model
 * can read the curve as throughput against the total bytes in flight, Little's law).
 *
 * <p>The canonical constructor validates every field and throws {@link dev.ep4j.api.error.ConfigException} naming
 * the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param hbmCopyGBps         device-to-device copy ceiling, bytes read plus bytes written per second, GB/s, in
 *                            {@code (0, 1e6]}.
 * @param probeBytesPerThread bytes each thread of the SM copy probe has in flight (one 16-byte load per grid-stride
 *                            step), in {@code [1, 1024]}.
 * @param smCopyCurve         the probe's measured throughput per (blocks, threads per block), at least one point.
 */
public record SharedGpuSpec(double hbmCopyGBps, int probeBytesPerThread, List<SmCopyPoint> smCopyCurve) {
    /** Fields that need an entry {@code sharedGpu.<field>} in the topology's sources. */
    public static final List<String> SOURCED_FIELDS = List.of("hbmCopyGBps", "probeBytesPerThread", "smCopyCurve");

    private static final String TYPE = "SharedGpuSpec";

    /**
     * Validates every field.
     *
     * @param hbmCopyGBps device-to-device copy ceiling, bytes read plus bytes written per second, GB/s, in {@code (0,
     *     1e6]}.
     * @param probeBytesPerThread bytes each thread of the SM copy probe has in flight, in {@code [1, 1024]}.
     * @param smCopyCurve the probe's measured throughput per (blocks, threads per block), at least one point.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public SharedGpuSpec {
        Check.bandwidthGBps(TYPE, "hbmCopyGBps", hbmCopyGBps);
        Check.range(TYPE, "probeBytesPerThread", probeBytesPerThread, 1, 1024);
        smCopyCurve = Check.list(TYPE, "smCopyCurve", smCopyCurve, 1);
    }
}
