package dev.ep4j.sim.timing;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.NicProfile;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.api.kernel.KernelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analytical bottleneck tier (simulator.md §5.9): per kernel
 * <pre>
 *   main = t_fixed + fill + max_r(bytes_r / C_r)
 * </pre>
 * over every resource instance r of {@link Accounting#loads}: NVLink egress and ingress per GPU
 * ({@code nvlinkEffectiveBandwidthGBps}), NIC TX and RX ({@code effectiveBandwidthGBps}, message issue at
 * {@code messageRatePerSec}, fabric uplinks at the NIC rate / {@code fabricOversubscription}), PCIe per direction
 * (GPU and NIC profiles' {@code effectiveBandwidthGBps}) and the copy throughput of the busiest channel's SM
 * ({@code smCopyThroughputGBps}; low-latency kernels: of their blocks together).
 *
 * <p>{@code t_fixed} is the in-kernel latency chain, from the profiles' latencies: intranode normal kernels
 * {@code 2·nvlinkFlag + nvlinkData} (channel offsets seen at the start, last chunk and tail at the end); internode
 * {@code 2·rdma + 2·nvlinkFlag + nvlinkData} with {@code rdma = nic.latencyNs + (fabricSwitchHops − 1) ·
 * switchHopLatencyNs} (channel metadata, then the last chunk and its tail); low-latency
 * {@code max(rdma, nvlinkData + nvlinkFlag) + localFlag} (the farthest count or flag, then the grid sync between the
 * send and receive phases).
 *
 * <p>{@code fill}: a chunked pipeline of stages takes {@code Σ_stages t_chunk + (chunks − 1) · max t_chunk}, so on
 * top of the bottleneck it costs {@code Σ t_chunk − max t_chunk}, with one chunk per stage moved at a channel's
 * share of its link, {@code min(smCopy, C_link / channels)}. Stages: intranode dispatch NVLink send → receive copy;
 * intranode combine NVLink send → reduce; internode dispatch RDMA chunk → NVLink forward → receive copy; internode
 * combine NVLink send → forward/reduce + RDMA chunk → final reduce. Low-latency: the receive phase (copying or
 * reducing what arrived) follows the send phase, so its time is added.
 *
 * <p>Phases besides {@code main} (not part of DeepEP's kernel time, reported separately): {@code layout} (launch +
 * reading top-k and writing the membership at HBM speed), {@code notify} (launch + barriers and count exchange:
 * intranode {@code 3·nvlinkFlag + nvlinkData}, internode {@code 4·rdma + 3·nvlinkFlag + nvlinkData}; combine's cached
 * notify {@code 2·nvlinkFlag} or {@code 2·rdma + 2·nvlinkFlag}), {@code cpuSync} for normal dispatch (the host sees
 * the mapped counter after {@code launchToHostFlagNs}, then launches the main kernel, {@code kernelLaunchNs}).
 *
 * <p>The bottleneck is the class of the instance that sets the bound, or {@code "latency"} when {@code t_fixed + fill}
 * exceeds it. Every parameter comes from the hardware profiles of the case; nothing is fitted here. Stateless and
 * thread-safe.
 *
 * <p>Virtual ranks sharing one GPU (a topology with {@code sharedGpu}) are predicted by {@link SharedGpuModel}.
 */
public final class AnalyticalModel implements TimingModel {
    /** The model's name. */
    public static final String NAME = "analytical";
    /** Class reported when fixed latencies outweigh every bandwidth term. */
    public static final String LATENCY = "latency";
    /** Phase names, in timeline order. */
    public static final List<String> PHASES = List.of("layout", "notify", "cpuSync", "main");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TimingResult predict(final TimingCase c) {
        return predict(c, TraceSink.NONE);
    }

    @Override
    public TimingResult predict(final TimingCase c, final TraceSink trace) {
        if (SharedGpuModel.applies(c)) {
            return SharedGpuModel.predict(c, trace);
        }
        final long started = System.nanoTime();
        final AnalyticalBound b = bound(c);
        final double fixed = fixedUs(c);
        final double fill = fillUs(c, b);
        final double main = fixed + fill + b.boundUs();
        final int r = c.shape().ranks();
        final double[] rank = new double[r];
        int slowest = 0;
        for (int x = 0; x < r; x++) {
            rank[x] = fixed + fill + b.rankUs()[x];
            if (rank[x] > rank[slowest]) {
                slowest = x;
            }
        }
        final long logical = Accounting.logicalBytes(c)[slowest];
        final Map<String, Double> phases = phasesUs(c, main);
        final Map<String, Double> util = new LinkedHashMap<>();
        for (final Map.Entry<String, Double> e : b.classUs().entrySet()) {
            util.put(e.getKey(), main > 0 ? Math.min(1.0, e.getValue() / main) : 0.0);
        }
        final String bottleneck = fixed + fill > b.boundUs() ? LATENCY : b.bottleneck();
        if (trace.enabled()) {
            trace(trace, c, phases, rank, b);
        }
        return new TimingResult(NAME, mode(c.op()), r, c.shape().nodes(), opName(c.op()), main,
            main > 0 ? logical / (main * 1e3) : 0.0, bottleneck, phases, logical, rank, util, 0,
            (System.nanoTime() - started) / 1e6);
    }

    /**
     * The pure bandwidth bound of a kernel (no latency, no fill): no model may predict a shorter main kernel.
     *
     * @param c the kernel.
     * @return the bound with its attribution.
     */
    public static AnalyticalBound bound(final TimingCase c) {
        if (SharedGpuModel.applies(c)) {
            return SharedGpuModel.bound(c);
        }
        final List<ResourceLoad> loads = Accounting.loads(c);
        final Map<String, Double> classUs = new LinkedHashMap<>();
        final Map<String, String> classResource = new LinkedHashMap<>();
        final Map<String, Long> classBytes = new LinkedHashMap<>();
        for (final String cls : List.of(Accounting.NVLINK, Accounting.RDMA, Accounting.PCIE, Accounting.SM)) {
            for (final ResourceLoad l : loads) {
                if (l.resourceClass().equals(cls) && l.us() > classUs.getOrDefault(cls, -1.0)) {
                    classUs.put(cls, l.us());
                    classResource.put(cls, l.resource());
                    classBytes.put(cls, l.amount());
                }
            }
        }
        final double[] rankUs = new double[c.shape().ranks()];
        double best = 0;
        String bottleneck = Accounting.NVLINK;
        String resource = "";
        for (final ResourceLoad l : loads) {
            final double us = l.us();
            rankUs[l.rank()] = Math.max(rankUs[l.rank()], us);
            if (us > best) {
                best = us;
                bottleneck = l.resourceClass();
                resource = l.resource();
            }
        }
        return new AnalyticalBound(best, bottleneck, resource, classUs, classResource, classBytes, rankUs, loads);
    }

    /**
     * @param c a kernel.
     * @return its in-kernel fixed latency chain, microseconds (see the class comment).
     */
    public static double fixedUs(final TimingCase c) {
        final GpuProfile gpu = c.hardware().gpu();
        final double flag = gpu.nvlinkFlagLatencyNs();
        final double data = gpu.nvlinkDataLatencyNs();
        final double rdma = rdmaLatencyNs(c.hardware());
        final boolean inter = c.shape().nodes() > 1;
        switch (c.op()) {
            case DISPATCH:
            case COMBINE:
                return (inter ? 2 * rdma + 2 * flag + data : 2 * flag + data) / 1e3;
            default:
                final double nvl = c.shape().gpusPerNode() > 1 ? data + flag : 0;
                return (Math.max(inter ? rdma : 0, nvl) + gpu.localFlagLatencyNs()) / 1e3;
        }
    }

    /**
     * @param hw a cluster.
     * @return one-way small-message RDMA latency between two nodes, ns: NIC latency plus the extra switch hops.
     */
    public static double rdmaLatencyNs(final ResolvedTopology hw) {
        final TopologyConfig t = hw.topology();
        return hw.nic().latencyNs() + (t.fabricSwitchHops() - 1) * t.switchHopLatencyNs();
    }

    /**
     * Pipeline fill and drain on top of the bottleneck (normal kernels), or the receive phase (low-latency).
     *
     * @param c a kernel.
     * @param b its bound.
     * @return microseconds.
     */
    static double fillUs(final TimingCase c, final AnalyticalBound b) {
        final GpuProfile gpu = c.hardware().gpu();
        final double sm = gpu.smCopyThroughputGBps();
        if (c.op() == OpKind.LL_DISPATCH || c.op() == OpKind.LL_COMBINE) {
            double recv = 0;
            for (final ResourceLoad l : b.loads()) {
                if (l.resourceClass().equals(Accounting.SM) && l.resource().contains("receive")) {
                    recv = Math.max(recv, l.us());
                }
            }
            return recv;
        }
        final KernelConfig cfg = c.config();
        final int channels = cfg.channels();
        final double nvl = Math.min(sm, gpu.nvlinkEffectiveBandwidthGBps() / channels);
        final NicProfile nic = c.hardware().nic();
        final double rdma = Math.min(sm, nic.effectiveBandwidthGBps() / channels);
        final long rec = Accounting.recordBytes(c);
        final long nvlChunk = (long) cfg.nvlChunkTokens() * rec;
        final long rdmaChunk = (long) cfg.rdmaChunkTokens() * rec;
        final long row = 2L * c.hidden();
        final List<Double> stages = new ArrayList<>();
        final boolean inter = c.shape().nodes() > 1;
        if (!inter) {
            stages.add(nvlChunk / nvl);
            stages.add((c.op() == OpKind.COMBINE ? (long) cfg.nvlChunkTokens() * row : nvlChunk) / sm);
        } else if (c.op() == OpKind.DISPATCH) {
            stages.add(rdmaChunk / rdma);
            stages.add(nvlChunk / nvl);
            stages.add(nvlChunk / sm);
        } else {
            stages.add(nvlChunk / nvl);
            stages.add(rdmaChunk / rdma);
            stages.add((long) cfg.rdmaChunkTokens() * row / sm);
        }
        double sum = 0;
        double max = 0;
        for (final double s : stages) {
            sum += s;
            max = Math.max(max, s);
        }
        return (sum - max) / 1e3;
    }

    /**
     * The phases of a kernel around its main-kernel time (see the class comment); other models may reuse them for
     * the phases they do not simulate.
     *
     * @param c    a kernel.
     * @param main its main-kernel time, microseconds.
     * @return phase name to microseconds, in {@link #PHASES} order (only the phases the kernel has).
     */
    public static Map<String, Double> phasesUs(final TimingCase c, final double main) {
        final Map<String, Double> p = new LinkedHashMap<>();
        final GpuProfile gpu = c.hardware().gpu();
        final double launch = gpu.kernelLaunchNs();
        final double flag = gpu.nvlinkFlagLatencyNs();
        final double data = gpu.nvlinkDataLatencyNs();
        final double rdma = rdmaLatencyNs(c.hardware());
        final boolean inter = c.shape().nodes() > 1;
        if (c.op() == OpKind.DISPATCH) {
            int tokens = 0;
            for (int x = 0; x < c.shape().ranks(); x++) {
                tokens = Math.max(tokens, c.traffic().tokens(x));
            }
            final double bytes = (double) tokens * (8L * c.topK() + c.shape().ranks() + c.shape().nodes());
            p.put("layout", (launch + bytes / gpu.hbmBandwidthGBps()) / 1e3);
            p.put("notify", (launch + (inter ? 4 * rdma + 3 * flag + data : 3 * flag + data)) / 1e3);
            p.put("cpuSync", (gpu.launchToHostFlagNs() + launch) / 1e3);
        } else if (c.op() == OpKind.COMBINE) {
            p.put("notify", (launch + (inter ? 2 * rdma + 2 * flag : 2 * flag)) / 1e3);
        }
        p.put("main", main);
        return p;
    }

    private static void trace(final TraceSink trace, final TimingCase c, final Map<String, Double> phases,
        final double[] rank, final AnalyticalBound b) {
        long mainStart = 0;
        for (int x = 0; x < rank.length; x++) {
            long t = 0;
            for (final Map.Entry<String, Double> e : phases.entrySet()) {
                final long d = ps(e.getKey().equals("main") ? rank[x] : e.getValue());
                trace.span("rank " + x, e.getKey(), t, d);
                if (e.getKey().equals("main")) {
                    mainStart = t;
                }
                t += d;
            }
        }
        for (final Map.Entry<String, Double> e : b.classUs().entrySet()) {
            trace.span(e.getKey() + " busiest", b.classResource().get(e.getKey()) + " busy", mainStart,
                ps(e.getValue()));
        }
    }

    private static long ps(final double us) {
        return Math.round(us * 1e6);
    }

    /**
     * @param op a kernel.
     * @return "normal" or "low-latency".
     */
    public static String mode(final OpKind op) {
        return op == OpKind.LL_DISPATCH || op == OpKind.LL_COMBINE ? "low-latency" : "normal";
    }

    /**
     * @param op a kernel.
     * @return "dispatch" or "combine".
     */
    public static String opName(final OpKind op) {
        return op == OpKind.DISPATCH || op == OpKind.LL_DISPATCH ? "dispatch" : "combine";
    }
}
