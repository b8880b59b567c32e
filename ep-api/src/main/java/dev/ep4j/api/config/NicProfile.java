package dev.ep4j.api.config;

import java.util.List;
import java.util.Map;

/**
 * A NIC hardware profile ({@code "kind": "nic"}, {@code configs/hardware/nic/<id>.json}): the TX/RX capacity, the
 * message-rate cap and the small-message latency of simulator.md §5.4. Rates are per NIC and per direction.
 *
 * <p>The values in {@link #FREE_PARAMETERS} are estimates whose source says "to be calibrated".
 *
 * <p>The canonical constructor validates every field and throws {@link dev.ep4j.api.error.ConfigException}
 * naming the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind                   always {@link ConfigKind#NIC}.
 * @param id                     the file name without {@code .json}, e.g. {@code "cx7-400g"}.
 * @param name                   product name, e.g. {@code "NVIDIA ConnectX-7 400G (InfiniBand NDR)"}.
 * @param transport              the RDMA transport.
 * @param lineRateGbps           signalling line rate per direction, Gb/s (gigabits), in {@code (0, 1e5]}.
 * @param effectiveBandwidthGBps achievable payload bandwidth per direction, GB/s (gigabytes), in
 *                               {@code (0, lineRateGbps / 8]}.
 * @param messageRatePerSec      most messages the NIC issues per second, in {@code (0, 1e11]}.
 * @param latencyNs              one-way small-message RDMA latency through one switch, ns, in {@code [0, 1e9]}.
 * @param pcieProfileId          id of the {@link PcieProfile} of the NIC's host interface.
 * @param sources                field name to the source of its value.
 */
public record NicProfile(
    ConfigKind kind,
    String id,
    String name,
    NicTransport transport,
    double lineRateGbps,
    double effectiveBandwidthGBps,
    double messageRatePerSec,
    double latencyNs,
    String pcieProfileId,
    Map<String, String> sources) implements HardwareProfile {

    /** Fields whose values are free parameters of the timing model, to be calibrated (simulator.md §5.4, §6). */
    public static final List<String> FREE_PARAMETERS = List.of("latencyNs");

    private static final String TYPE = "NicProfile";

    /**
     * Validates every field.
     *
     * @param kind always {@link ConfigKind#NIC}.
     * @param id the file name without {@code .json}, e.g. {@code "cx7-400g"}.
     * @param name product name, e.g. {@code "NVIDIA ConnectX-7 400G (InfiniBand NDR)"}.
     * @param transport the RDMA transport.
     * @param lineRateGbps signalling line rate per direction, Gb/s (gigabits), in {@code (0, 1e5]}.
     * @param effectiveBandwidthGBps achievable payload bandwidth per direction, GB/s (gigabytes), in {@code (0,
     *     lineRateGbps / 8]}.
     * @param messageRatePerSec most messages the NIC issues per second, in {@code (0, 1e11]}.
     * @param latencyNs one-way small-message RDMA latency through one switch, ns, in {@code [0, 1e9]}.
     * @param pcieProfileId id of the {@link PcieProfile} of the NIC's host interface.
     * @param sources field name to the source of its value.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public NicProfile {
        Check.kind(TYPE, ConfigKind.NIC, kind);
        Check.id(TYPE, "id", id);
        Check.text(TYPE, "name", name);
        Check.notNull(TYPE, "transport", transport);
        Check.positive(TYPE, "lineRateGbps", lineRateGbps, 1.0e5, "Gb/s");
        Check.positive(TYPE, "effectiveBandwidthGBps", effectiveBandwidthGBps, lineRateGbps / 8,
            "GB/s (at most lineRateGbps / 8)");
        Check.positive(TYPE, "messageRatePerSec", messageRatePerSec, 1.0e11, "messages/s");
        Check.latencyNs(TYPE, "latencyNs", latencyNs);
        Check.id(TYPE, "pcieProfileId", pcieProfileId);
        sources = Check.sources(TYPE, sources);
    }
}
