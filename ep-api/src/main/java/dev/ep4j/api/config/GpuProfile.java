package dev.ep4j.api.config;

import dev.ep4j.api.topology.Topology;
import java.util.List;
import java.util.Map;

/**
 * A GPU hardware profile ({@code "kind": "gpu"}, {@code configs/hardware/gpu/<id>.json}): the parameters the
 * simulator's resources need (simulator.md §5): SMs, HBM, per-GPU NVLink ports, the NVSwitch layer, NVLink data and
 * flag latencies, per-SM copy throughput and fixed launch costs. Bandwidths are per GPU and per direction.
 *
 * <p>The values in {@link #FREE_PARAMETERS} are free parameters of the timing model: their defaults are estimates
 * whose source says "to be calibrated", to be fitted against spec/calibration.md.
 *
 * <p>The canonical constructor validates every field and throws {@link dev.ep4j.api.error.ConfigException}
 * naming the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind                         always {@link ConfigKind#GPU}.
 * @param id                           the file name without {@code .json}, e.g. {@code "h800"}.
 * @param name                         marketing name, e.g. {@code "NVIDIA H800 SXM5 80GB"}.
 * @param smCount                      streaming multiprocessors, in {@code [1, 1024]}.
 * @param memoryGiB                    HBM capacity, GiB, in {@code (0, 65536]}.
 * @param hbmBandwidthGBps             nominal HBM bandwidth, GB/s, in {@code (0, 1e6]}.
 * @param nvlinkGeneration             NVLink generation (4 = Hopper, 5 = Blackwell), in {@code [1, 100]}.
 * @param nvlinkLinks                  NVLink links per GPU, in {@code [1, 1024]}.
 * @param nvlinkBandwidthGBps          nominal NVLink bandwidth per GPU per direction, GB/s (half the bidirectional
 *                                     datasheet figure), in {@code (0, 1e6]}.
 * @param nvlinkEffectiveBandwidthGBps practical NVLink bandwidth per GPU per direction, GB/s, in
 *                                     {@code (0, nvlinkBandwidthGBps]}.
 * @param nvlinkDomainMaxGpus          most GPUs one NVLink domain (node) can hold, in {@code [1, 65536]}.
 * @param nvSwitch                     the NVSwitch layer of a domain.
 * @param nvlinkDataLatencyNs          latency of a store to a peer GPU over NVLink until the data is visible there,
 *                                     ns, in {@code [0, 1e9]}; free parameter.
 * @param nvlinkFlagLatencyNs          latency until a flag or counter written after the data is visible at the peer,
 *                                     ns, in {@code [0, 1e9]}; free parameter.
 * @param localFlagLatencyNs           one-way latency of a flag written by one block and seen by a polling block of
 *                                     the same GPU (through L2), ns, in {@code [0, 1e9]}.
 * @param smCopyThroughputGBps         bytes one SM copies per second when it drives a transfer (the per-SM copy
 *                                     resource {@code R_sm} of simulator.md §5.3), GB/s, in {@code (0, 1e6]}; free
 *                                     parameter.
 * @param kernelLaunchNs               host cost of one {@code cudaLaunchKernel} call, ns, in {@code [0, 1e9]}.
 * @param launchToHostFlagNs           time from a kernel launch until a polling host thread sees a flag the kernel
 *                                     wrote to host-mapped memory (the CPU sync of normal dispatch), ns, in
 *                                     {@code [0, 1e9]}.
 * @param normalKernelFixedNs          in-kernel fixed cost of a normal dispatch or combine kernel besides data movement
 *                                     and the modelled flags (prologue, barriers, cleanup), ns, in {@code [0, 1e9]};
 *                                     free parameter of the discrete-event model.
 * @param lowLatencyKernelFixedNs      the same for a low-latency kernel, ns, in {@code [0, 1e9]}; free parameter.
 * @param pcieProfileId                id of the {@link PcieProfile} of the GPU's host interface.
 * @param sources                      field name (dotted for {@code nvSwitch}) to the source of its value.
 */
public record GpuProfile(
    ConfigKind kind,
    String id,
    String name,
    int smCount,
    double memoryGiB,
    double hbmBandwidthGBps,
    int nvlinkGeneration,
    int nvlinkLinks,
    double nvlinkBandwidthGBps,
    double nvlinkEffectiveBandwidthGBps,
    int nvlinkDomainMaxGpus,
    NvSwitchSpec nvSwitch,
    double nvlinkDataLatencyNs,
    double nvlinkFlagLatencyNs,
    double localFlagLatencyNs,
    double smCopyThroughputGBps,
    double kernelLaunchNs,
    double launchToHostFlagNs,
    double normalKernelFixedNs,
    double lowLatencyKernelFixedNs,
    String pcieProfileId,
    Map<String, String> sources) implements HardwareProfile {

    /** Fields whose values are free parameters of the timing model, to be calibrated (simulator.md §5.3, §6). */
    public static final List<String> FREE_PARAMETERS =
        List.of("nvlinkEffectiveBandwidthGBps", "nvlinkDataLatencyNs", "nvlinkFlagLatencyNs",
            "smCopyThroughputGBps", "normalKernelFixedNs", "lowLatencyKernelFixedNs");

    private static final String TYPE = "GpuProfile";

    /**
     * Validates every field.
     *
     * @param kind always {@link ConfigKind#GPU}.
     * @param id the file name without {@code .json}, e.g. {@code "h800"}.
     * @param name marketing name, e.g. {@code "NVIDIA H800 SXM5 80GB"}.
     * @param smCount streaming multiprocessors, in {@code [1, 1024]}.
     * @param memoryGiB HBM capacity, GiB, in {@code (0, 65536]}.
     * @param hbmBandwidthGBps nominal HBM bandwidth, GB/s, in {@code (0, 1e6]}.
     * @param nvlinkGeneration NVLink generation (4 = Hopper, 5 = Blackwell), in {@code [1, 100]}.
     * @param nvlinkLinks NVLink links per GPU, in {@code [1, 1024]}.
     * @param nvlinkBandwidthGBps nominal NVLink bandwidth per GPU per direction, GB/s (half the bidirectional
     *     datasheet figure), in {@code (0, 1e6]}.
     * @param nvlinkEffectiveBandwidthGBps practical NVLink bandwidth per GPU per direction, GB/s, in {@code (0,
     *     nvlinkBandwidthGBps]}.
     * @param nvlinkDomainMaxGpus most GPUs one NVLink domain (node) can hold, in {@code [1, 65536]}.
     * @param nvSwitch the NVSwitch layer of a domain.
     * @param nvlinkDataLatencyNs latency of a store to a peer GPU over NVLink until the data is visible there, ns, in
     *     {@code [0, 1e9]}; free parameter.
     * @param nvlinkFlagLatencyNs latency until a flag or counter written after the data is visible at the peer, ns, in
     *     {@code [0, 1e9]}; free parameter.
     * @param localFlagLatencyNs one-way latency of a flag written by one block and seen by a polling block of the same
     *     GPU (through L2), ns, in {@code [0, 1e9]}.
     * @param smCopyThroughputGBps bytes one SM copies per second when it drives a transfer (the per-SM copy resource
     *     {@code R_sm} of simulator.md §5.3), GB/s, in {@code (0, 1e6]}; free parameter.
     * @param kernelLaunchNs host cost of one {@code cudaLaunchKernel} call, ns, in {@code [0, 1e9]}.
     * @param launchToHostFlagNs time from a kernel launch until a polling host thread sees a flag the kernel wrote to
     *     host-mapped memory (the CPU sync of normal dispatch), ns, in {@code [0, 1e9]}.
     * @param pcieProfileId id of the {@link PcieProfile} of the GPU's host interface.
     * @param sources field name (dotted for {@code nvSwitch}) to the source of its value.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public GpuProfile {
        Check.kind(TYPE, ConfigKind.GPU, kind);
        Check.id(TYPE, "id", id);
        Check.text(TYPE, "name", name);
        Check.range(TYPE, "smCount", smCount, 1, 1024);
        Check.positive(TYPE, "memoryGiB", memoryGiB, 65536, "GiB");
        Check.bandwidthGBps(TYPE, "hbmBandwidthGBps", hbmBandwidthGBps);
        Check.range(TYPE, "nvlinkGeneration", nvlinkGeneration, 1, 100);
        Check.range(TYPE, "nvlinkLinks", nvlinkLinks, 1, 1024);
        Check.bandwidthGBps(TYPE, "nvlinkBandwidthGBps", nvlinkBandwidthGBps);
        Check.positive(TYPE, "nvlinkEffectiveBandwidthGBps", nvlinkEffectiveBandwidthGBps, nvlinkBandwidthGBps,
            "GB/s (at most nvlinkBandwidthGBps)");
        Check.range(TYPE, "nvlinkDomainMaxGpus", nvlinkDomainMaxGpus, 1, Topology.MAX_RANKS);
        Check.notNull(TYPE, "nvSwitch", nvSwitch);
        Check.latencyNs(TYPE, "nvlinkDataLatencyNs", nvlinkDataLatencyNs);
        Check.latencyNs(TYPE, "nvlinkFlagLatencyNs", nvlinkFlagLatencyNs);
        Check.latencyNs(TYPE, "localFlagLatencyNs", localFlagLatencyNs);
        Check.bandwidthGBps(TYPE, "smCopyThroughputGBps", smCopyThroughputGBps);
        Check.latencyNs(TYPE, "kernelLaunchNs", kernelLaunchNs);
        Check.latencyNs(TYPE, "launchToHostFlagNs", launchToHostFlagNs);
        Check.latencyNs(TYPE, "normalKernelFixedNs", normalKernelFixedNs);
        Check.latencyNs(TYPE, "lowLatencyKernelFixedNs", lowLatencyKernelFixedNs);
        Check.id(TYPE, "pcieProfileId", pcieProfileId);
        sources = Check.sources(TYPE, sources);
    }

    /**
     * @param gbps a new {@code nvlinkEffectiveBandwidthGBps}.
     * @return this profile with it (validated as on loading).
     */
    public GpuProfile withNvlinkEffectiveBandwidthGBps(final double gbps) {
        return with(gbps, smCopyThroughputGBps, lowLatencyKernelFixedNs);
    }

    /**
     * @param gbps a new {@code smCopyThroughputGBps}.
     * @return this profile with it (validated as on loading).
     */
    public GpuProfile withSmCopyThroughputGBps(final double gbps) {
        return with(nvlinkEffectiveBandwidthGBps, gbps, lowLatencyKernelFixedNs);
    }

    /**
     * @param ns a new {@code lowLatencyKernelFixedNs}.
     * @return this profile with it (validated as on loading).
     */
    public GpuProfile withLowLatencyKernelFixedNs(final double ns) {
        return with(nvlinkEffectiveBandwidthGBps, smCopyThroughputGBps, ns);
    }

    private GpuProfile with(final double nvl, final double sm, final double llFixed) {
        return new GpuProfile(kind, id, name, smCount, memoryGiB, hbmBandwidthGBps, nvlinkGeneration, nvlinkLinks,
            nvlinkBandwidthGBps, nvl, nvlinkDomainMaxGpus, nvSwitch, nvlinkDataLatencyNs, nvlinkFlagLatencyNs,
            localFlagLatencyNs, sm, kernelLaunchNs, launchToHostFlagNs, normalKernelFixedNs, llFixed, pcieProfileId,
            sources);
    }
}
