package dev.ep4j.sim.pipeline;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.AnalyticalModel;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TimingModel;
import dev.ep4j.sim.timing.TimingModels;
import dev.ep4j.sim.timing.TimingResult;
import dev.ep4j.sim.timing.TraceSink;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chunk-level discrete-event tier ({@value TimingModels#DES}): each kernel as streams over rings with head/tail
 * credits ({@link NormalPipelines}, {@link LowLatencyPipeline}) moving bytes over shared NVLink, NIC, PCIe and SM
 * resources ({@link Cluster}). Pre- and post-kernel phases (layout, notify, CPU sync) come from
 * {@link AnalyticalModel#phasesUs}.
 *
 * <p>A rank's main-kernel time is the end of its last stream plus the in-kernel fixed cost of the GPU profile
 * ({@code normalKernelFixedNs} or {@code lowLatencyKernelFixedNs}: prologue, grid barriers, buffer cleaning — the part
 * of a kernel that is neither data movement nor a modelled flag), calibrated in docs/calibration.md.
 *
 * <p><b>Result.</b> {@code timeUs}: main kernel of the slowest rank; {@code bandwidthGBps}: that rank's DeepEP
 * logical bytes ({@link Accounting#logicalBytes}) over it; {@code bottleneck}: the class of the resource attributed to
 * the slowest rank with the highest utilisation (bytes / capacity / kernel time), or {@code "latency"} when none
 * reached 50 %; {@code utilisation}: per class, the busiest instance over the slowest rank's kernel time.
 *
 * <p><b>Coarsening.</b> Up to {@value #EXACT_MAX_RANKS} ranks every chunk of every channel of the config is
 * simulated. Larger kernels are coarsened twice, leaving every byte count and capacity unchanged:
 * <ul>
 *   <li>each stream moves its tokens in at most about {@value #COARSE_STEPS} chunks (never more than half a ring); this
 *       lengthens pipeline fill and drain by a few chunks, a small share of kernels that long;</li>
 *   <li>normal kernels simulate groups of channels as one ({@link #channelGroup}; about
 *       {@code max(}{@value #CHANNEL_RANKS}{@code , R)} (rank, channel) pipelines by default): a group of {@code k}
 *       channels is one pipeline with the group's SMs (sized so that it never beats its busiest channel), {@code k}
 *       times the ring slots and chunk, and the summed routing counts of its channels. DeepEP's channels are
 *       identical pipelines over equal token ranges, so they advance nearly in step and a group behaves like its
 *       members side by side; what is lost is their small mutual skew. The cost of equal-share rate updates grows
 *       with the product of transfers and concurrent flows per port, so grouping is what makes EP64 fast (~1 s for
 *       dispatch + combine instead of ~30 s; the kernel times of the default study's EP32/EP64 rows move by +0.8,
 *       −0.3, +2.7 and −0.7 %, docs/perf/sim-speed.md).</li>
 * </ul>
 *
 * <p><b>Size limit.</b> Normal kernels above {@value #MAX_NORMAL_RANKS} ranks throw
 * {@link UnsupportedOperationException} (EP256 dispatch + combine takes ~5 s on one core of the 2-core dev machine,
 * and larger ones were not measured); the scenario runner then uses the analytical tier and says so in the row's
 * note.
 *
 * <p>Topologies of ranks sharing one GPU ({@code sharedGpu}) are not modelled here either (same fallback).
 *
 * <p>Immutable: every call builds its own simulation; thread-safe, one instance serves parallel sweeps.
 * A configuration that cannot make progress throws {@link DeadlockException} naming the ring.
 */
public final class DesModel implements TimingModel {
    /** Kernels with more ranks than this are coarsened ({@link #COARSE_STEPS} steps per stream). */
    public static final int EXACT_MAX_RANKS = 16;
    /** Steps per stream of coarsened kernels. */
    public static final int COARSE_STEPS = 8;
    /** Coarsened normal kernels simulate about this many (rank, channel) pipelines (at least one per rank). */
    public static final int CHANNEL_RANKS = 128;
    /** Utilisation samples per kernel in the trace (over the analytical bound's duration; more if it runs longer). */
    static final int TRACE_SAMPLES = 48;
    /** Largest normal-mode kernel simulated event by event; larger ones are left to the analytical tier. */
    public static final int MAX_NORMAL_RANKS = 256;
    private static final List<String> CLASSES = List.of(Accounting.NVLINK, Accounting.RDMA, Accounting.PCIE,
        Accounting.SM);

    private final int channelRanks;

    /** The default model: channels grouped to at most {@value #CHANNEL_RANKS} (rank, channel) pipelines. */
    public DesModel() {
        this(CHANNEL_RANKS);
    }

    /**
     * A model with another channel-grouping budget (speed against fidelity; benchmarks compare them).
     *
     * @param channelRanks coarsened normal kernels simulate at most about this many (rank, channel) pipelines; a value
     *                     of at least {@code ranks × channels} simulates every channel.
     * @throws IllegalArgumentException when not positive.
     */
    public DesModel(final int channelRanks) {
        if (channelRanks < 1) {
            throw new IllegalArgumentException("channelRanks=" + channelRanks + " must be >= 1 (use a value of at"
                + " least ranks x channels to simulate every channel)");
        }
        this.channelRanks = channelRanks;
    }

    @Override
    public String name() {
        return TimingModels.DES;
    }

    @Override
    public TimingResult predict(final TimingCase c) {
        return predict(c, TraceSink.NONE);
    }

    @Override
    public TimingResult predict(final TimingCase c, final TraceSink trace) {
        final long started = System.nanoTime();
        if (c.hardware().topology().sharedGpu() != null) {
            throw new UnsupportedOperationException("ranks sharing one GPU are predicted by the analytical tier's"
                + " shared-GPU model");
        }
        if (c.traffic() != null && c.shape().ranks() > MAX_NORMAL_RANKS) {
            throw new UnsupportedOperationException("normal kernels above " + MAX_NORMAL_RANKS + " ranks were not"
                + " measured with the discrete-event model in this version");
        }
        final Pipeline p = build(c, channelRanks);
        final Sampler sampler = trace.enabled() ? new Sampler(p, Math.round(AnalyticalModel.bound(c).boundUs()
            * Durations.PS_PER_US / TRACE_SAMPLES)) : null;
        p.run();
        final int r = c.shape().ranks();
        final long fixedPs = fixedPs(c);
        final double[] rankUs = new double[r];
        int slowest = 0;
        for (int x = 0; x < r; x++) {
            rankUs[x] = (p.rankEndPs()[x] + fixedPs) / (double) Durations.PS_PER_US;
            if (rankUs[x] > rankUs[slowest]) {
                slowest = x;
            }
        }
        final double main = rankUs[slowest];
        final long mainPs = p.rankEndPs()[slowest] + fixedPs;
        final Map<String, Double> util = new LinkedHashMap<>();
        String bottleneck = AnalyticalModel.LATENCY;
        double best = 0.5;
        for (int x = 0; x < p.resourceCount(); x++) {
            final double u = mainPs > 0 ? p.net.bytesDelivered(x) / (p.net.capacity(x) * (mainPs / 1e12)) : 0;
            final String cls = p.resourceClass(x);
            if (u > util.getOrDefault(cls, -1.0)) {
                util.put(cls, Math.min(1.0, u));
            }
            if (p.resourceRank(x) == slowest && u > best) {
                best = u;
                bottleneck = cls;
            }
        }
        final Map<String, Double> utilisation = new LinkedHashMap<>();
        for (final String cls : CLASSES) {
            if (util.containsKey(cls)) {
                utilisation.put(cls, util.get(cls));
            }
        }
        final long logical = Accounting.logicalBytes(c)[slowest];
        final Map<String, Double> phases = AnalyticalModel.phasesUs(c, main);
        if (sampler != null) {
            trace(trace, phases, rankUs, p, sampler, slowest);
        }
        return new TimingResult(TimingModels.DES, AnalyticalModel.mode(c.op()), r, c.shape().nodes(),
            AnalyticalModel.opName(c.op()), main, main > 0 ? logical / (main * 1e3) : 0.0, bottleneck, phases,
            logical, rankUs, utilisation, p.sim.eventsExecuted() - (sampler == null ? 0 : sampler.events()),
            (System.nanoTime() - started) / 1e6);
    }

    /**
     * Builds and runs the kernel's pipeline (tests inspect its rings and resources).
     *
     * @param c the case.
     * @return the finished pipeline.
     * @throws DeadlockException when the kernel cannot make progress.
     */
    static Pipeline simulate(final TimingCase c) {
        return simulate(c, CHANNEL_RANKS);
    }

    private static Pipeline simulate(final TimingCase c, final int channelRanks) {
        final Pipeline p = build(c, channelRanks);
        p.run();
        return p;
    }

    /** The kernel's pipeline with the default coarsening, not yet run. */
    private static Pipeline build(final TimingCase c, final int channelRanks) {
        final boolean exact = c.shape().ranks() <= EXACT_MAX_RANKS;
        return build(c, exact ? 1 : channelGroup(c, channelRanks), exact ? 0 : COARSE_STEPS);
    }

    /**
     * @param c            a coarsened normal kernel.
     * @param channelRanks the grouping budget.
     * @return real channels simulated as one: {@code ceil(C / max(1, channelRanks / R))}.
     */
    static int channelGroup(final TimingCase c, final int channelRanks) {
        if (c.traffic() == null) {
            return 1;
        }
        final int channels = c.traffic().channels();
        final int simulated = Math.max(1, Math.min(channels, channelRanks / c.shape().ranks()));
        return -Math.floorDiv(-channels, simulated);
    }

    /**
     * Builds and runs the kernel's pipeline with explicit coarsening.
     *
     * @param c        the case.
     * @param group    real channels simulated as one.
     * @param maxSteps steps per stream, 0 for the configured chunks.
     * @return the finished pipeline.
     */
    static Pipeline simulate(final TimingCase c, final int group, final int maxSteps) {
        final Pipeline p = build(c, group, maxSteps);
        p.run();
        return p;
    }

    private static Pipeline build(final TimingCase c, final int group, final int maxSteps) {
        final Pipeline p = new Pipeline(AnalyticalModel.mode(c.op()) + " " + AnalyticalModel.opName(c.op())
            + " on " + c.shape(), c.shape().ranks());
        final Cluster k = new Cluster(p, c);
        p.maxSteps(maxSteps);
        final long rec = Accounting.recordBytes(c);
        switch (c.op()) {
            case DISPATCH:
            case COMBINE: {
                final NormalPipelines n = new NormalPipelines(k, c.traffic(), c.config(), rec, c.hidden(),
                    group == 1 ? Map.of() : Accounting.smChannelBytes(c), group);
                final boolean inter = c.shape().nodes() > 1;
                if (c.op() == OpKind.DISPATCH) {
                    if (inter) {
                        n.internodeDispatch();
                    } else {
                        n.intranodeDispatch();
                    }
                } else if (inter) {
                    n.internodeCombine();
                } else {
                    n.intranodeCombine();
                }
                break;
            }
            default:
                new LowLatencyPipeline(k, c.llTraffic(), c.op() == OpKind.LL_COMBINE, rec, c.hidden(),
                    c.hardware().gpu().smCount()).start();
        }
        return p;
    }

    /**
     * @param c a kernel.
     * @return its in-kernel fixed cost, picoseconds (see the class comment).
     */
    static long fixedPs(final TimingCase c) {
        final GpuProfile g = c.hardware().gpu();
        final boolean ll = c.op() == OpKind.LL_DISPATCH || c.op() == OpKind.LL_COMBINE;
        return Cluster.ps(ll ? g.lowLatencyKernelFixedNs() : g.normalKernelFixedNs());
    }

    /**
     * Rank rows (the phases, the main kernel per rank), then utilisation counters for the slowest rank's resources
     * (its NVLink, NIC and PCIe ports and its busiest SM) and the busiest resource of every class.
     */
    private static void trace(final TraceSink trace, final Map<String, Double> phases, final double[] rankUs,
        final Pipeline p, final Sampler sampler, final int slowest) {
        long mainStart = 0;
        for (int x = 0; x < rankUs.length; x++) {
            long t = 0;
            for (final Map.Entry<String, Double> e : phases.entrySet()) {
                final boolean main = e.getKey().equals("main");
                final long d = Math.round((main ? rankUs[x] : e.getValue()) * 1e6);
                trace.span("rank " + x, e.getKey(), t, d);
                if (main) {
                    mainStart = t;
                }
                t += d;
            }
        }
        final java.util.Set<Integer> shown = new java.util.TreeSet<>();
        final Map<String, Integer> busiest = new LinkedHashMap<>();
        int slowestSm = -1;
        for (int x = 0; x < p.resourceCount(); x++) {
            final String cls = p.resourceClass(x);
            final double load = p.net.bytesDelivered(x) / (double) p.net.capacity(x);
            final Integer best = busiest.get(cls);
            if (best == null || load > p.net.bytesDelivered(best) / (double) p.net.capacity(best)) {
                busiest.put(cls, x);
            }
            if (p.resourceRank(x) == slowest && p.net.bytesDelivered(x) > 0) {
                if (!cls.equals(Accounting.SM)) {
                    shown.add(x);
                } else if (slowestSm < 0 || p.net.bytesDelivered(x) > p.net.bytesDelivered(slowestSm)) {
                    slowestSm = x;
                }
            }
        }
        if (slowestSm >= 0) {
            shown.add(slowestSm);
        }
        shown.addAll(busiest.values());
        for (final int x : shown) {
            sampler.emit(trace, x, mainStart);
        }
    }
}
