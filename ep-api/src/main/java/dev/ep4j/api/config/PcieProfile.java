package dev.ep4j.api.config;

import java.util.Map;

/**
 * A PCIe link profile ({@code "kind": "pcie"}, {@code configs/hardware/pcie/<id>.json}): the GPU↔switch and
 * NIC↔switch links that GPUDirect RDMA traffic crosses (simulator.md §5.4). Bandwidths are per direction.
 *
 * <p>The canonical constructor validates every field and throws {@link dev.ep4j.api.error.ConfigException}
 * naming the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind                   always {@link ConfigKind#PCIE}.
 * @param id                     the file name without {@code .json}, e.g. {@code "pcie-gen5-x16"}.
 * @param name                   e.g. {@code "PCIe Gen5 x16"}.
 * @param generation             PCIe generation, in {@code [1, 100]}.
 * @param lanes                  lane count: 1, 2, 4, 8, 16 or 32.
 * @param transferRateGTps       per-lane transfer rate, GT/s, in {@code (0, 1000]}.
 * @param rawBandwidthGBps       link bandwidth per direction after line encoding, before protocol overhead, GB/s, in
 *                               {@code (0, transferRateGTps * lanes / 8]}.
 * @param effectiveBandwidthGBps achievable DMA bandwidth per direction, GB/s, in {@code (0, rawBandwidthGBps]}.
 * @param sources                field name to the source of its value.
 */
public record PcieProfile(
    ConfigKind kind,
    String id,
    String name,
    int generation,
    int lanes,
    double transferRateGTps,
    double rawBandwidthGBps,
    double effectiveBandwidthGBps,
    Map<String, String> sources) implements HardwareProfile {

    private static final String TYPE = "PcieProfile";

    /**
     * Validates every field.
     *
     * @param kind always {@link ConfigKind#PCIE}.
     * @param id the file name without {@code .json}, e.g. {@code "pcie-gen5-x16"}.
     * @param name e.g. {@code "PCIe Gen5 x16"}.
     * @param generation PCIe generation, in {@code [1, 100]}.
     * @param lanes lane count: 1, 2, 4, 8, 16 or 32.
     * @param transferRateGTps per-lane transfer rate, GT/s, in {@code (0, 1000]}.
     * @param rawBandwidthGBps link bandwidth per direction after line encoding, before protocol overhead, GB/s, in
     *     {@code (0, transferRateGTps * lanes / 8]}.
     * @param effectiveBandwidthGBps achievable DMA bandwidth per direction, GB/s, in {@code (0, rawBandwidthGBps]}.
     * @param sources field name to the source of its value.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public PcieProfile {
        Check.kind(TYPE, ConfigKind.PCIE, kind);
        Check.id(TYPE, "id", id);
        Check.text(TYPE, "name", name);
        Check.range(TYPE, "generation", generation, 1, 100);
        if (lanes != 1 && lanes != 2 && lanes != 4 && lanes != 8 && lanes != 16 && lanes != 32) {
            throw Check.fail(TYPE, "lanes", "lanes=" + lanes
                + " is not a PCIe link width; allowed: 1, 2, 4, 8, 16, 32");
        }
        Check.positive(TYPE, "transferRateGTps", transferRateGTps, 1000, "GT/s");
        Check.positive(TYPE, "rawBandwidthGBps", rawBandwidthGBps, transferRateGTps * lanes / 8,
            "GB/s (at most transferRateGTps * lanes / 8)");
        Check.positive(TYPE, "effectiveBandwidthGBps", effectiveBandwidthGBps, rawBandwidthGBps,
            "GB/s (at most rawBandwidthGBps)");
        sources = Check.sources(TYPE, sources);
    }
}
