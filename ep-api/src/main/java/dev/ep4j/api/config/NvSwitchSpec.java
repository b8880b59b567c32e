package dev.ep4j.api.config;

/**
 * The NVSwitch layer of one NVLink domain, nested as {@code "nvSwitch"} in a {@link GpuProfile}. Its sources are
 * keyed {@code nvSwitch.<field>} in the profile's {@code sources}.
 *
 * <p>The canonical constructor validates the ranges and throws {@link dev.ep4j.api.error.ConfigException}
 * naming the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param chipsPerDomain         NVSwitch chips in one NVLink domain (e.g. 4 on an HGX H100 8-GPU board), in
 *                               {@code [0, 4096]}; 0 means GPUs are linked directly.
 * @param nonBlocking            true when the switch layer carries every GPU's full NVLink rate at once, so only the
 *                               per-GPU ports constrain traffic; false makes {@code aggregateBandwidthGBps} a shared
 *                               resource.
 * @param aggregateBandwidthGBps total GPU-facing bandwidth of the switch layer per direction, GB/s, in
 *                               {@code (0, 1e6]}.
 */
public record NvSwitchSpec(int chipsPerDomain, boolean nonBlocking, double aggregateBandwidthGBps) {
    private static final String TYPE = "NvSwitchSpec";

    /**
     * Validates the ranges.
     *
     * @param chipsPerDomain NVSwitch chips in one NVLink domain (e.g. 4 on an HGX H100 8-GPU board), in {@code [0,
     *     4096]}; 0 means GPUs are linked directly.
     * @param nonBlocking true when the switch layer carries every GPU's full NVLink rate at once, so only the per-GPU
     *     ports constrain traffic; false makes {@code aggregateBandwidthGBps} a shared resource.
     * @param aggregateBandwidthGBps total GPU-facing bandwidth of the switch layer per direction, GB/s, in {@code (0,
     *     1e6]}.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public NvSwitchSpec {
        Check.range(TYPE, "chipsPerDomain", chipsPerDomain, 0, 4096);
        Check.bandwidthGBps(TYPE, "aggregateBandwidthGBps", aggregateBandwidthGBps);
    }
}
