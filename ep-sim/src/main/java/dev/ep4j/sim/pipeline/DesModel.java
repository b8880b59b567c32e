package dev.ep4j.sim.pipeline;

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
 * The chunk-level discrete-event tier ({@value TimingModels#DES}): DeepEP's kernels as pipelines of stages over
 * rings with head/tail credits, moving fluid streams over max-min shared NVLink, NIC, PCIe and SM resources
 * (package overview in {@code package-info.java}). Pre- and post-kernel phases (layout, notify, CPU sync) come from
 * {@link AnalyticalModel#phasesUs}.
 *
 * <p><b>Result.</b> {@code timeUs}: main kernel of the slowest rank; {@code bandwidthGBps}: that rank's DeepEP
 * logical bytes ({@link Accounting#logicalBytes}) over it; {@code bottleneck}: the resource class that was saturated
 * longest on the slowest rank (its SMs' copy or NVLink-push throughput, its NVLink ports, its NIC or PCIe), or
 * {@code "latency"} when no resource of that rank was saturated for half of its kernel; {@code utilisation}: per
 * class, the busiest instance's bytes over its capacity times the kernel time.
 *
 * <p>Stateless: every call builds its own simulator; thread-safe, one shared instance serves parallel sweeps.
 */
public final class DesModel implements TimingModel {
    /** Default most publication steps simulated per stream before chunks are coalesced. */
    public static final int DEFAULT_MAX_STEPS = 64;
    private static final List<String> CLASSES = List.of(Accounting.NVLINK, Accounting.RDMA, Accounting.PCIE,
        Accounting.SM);

    private final int maxSteps;

    /** The registered instance: {@value #DEFAULT_MAX_STEPS} steps per stream. */
    public DesModel() {
        this(Integer.getInteger("ep4j.des.maxSteps", DEFAULT_MAX_STEPS));
    }

    /**
     * @param maxSteps most publication steps simulated per stream; more chunks are published in groups (a stream's
     *                 tail then becomes visible a group at a time). {@code Integer.MAX_VALUE} simulates every chunk.
     */
    public DesModel(final int maxSteps) {
        this.maxSteps = maxSteps;
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
        final Kernel k = kernel(c, trace);
        if (trace.enabled()) {
            double pre = 0;
            for (final Map.Entry<String, Double> e : AnalyticalModel.phasesUs(c, 0).entrySet()) {
                pre += e.getKey().equals("main") ? 0 : e.getValue();
            }
            k.traceOffsetPs = Math.round(pre * 1e6);
        }
        k.run();
        if (Boolean.getBoolean("ep4j.des.debug")) {
            System.err.println(k.label() + " R=" + c.shape().ranks() + ": pipes " + k.pipes.size() + " rings "
                + k.rings.size() + " resources " + k.net.resourceCount() + " events " + k.sim.eventsExecuted()
                + " settles " + k.net.settles() + " settledFlows " + k.net.settledFlows() + " wall "
                + (System.nanoTime() - started) / 1e6 + " ms " + FluidNet.DBG);
            FluidNet.DBG.clear();
        }
        return result(c, k, trace, started);
    }

    /**
     * Runs a case and returns the simulated kernel itself (tests inspect rings and resources).
     *
     * @param c the case.
     * @return the finished kernel.
     */
    Kernel simulate(final TimingCase c) {
        final Kernel k = kernel(c, TraceSink.NONE);
        k.run();
        return k;
    }

    private Kernel kernel(final TimingCase c, final TraceSink trace) {
        switch (c.op()) {
            case DISPATCH:
            case COMBINE:
                if (c.shape().nodes() == 1) {
                    return new Intranode(c, trace, maxSteps);
                }
                return c.op() == OpKind.DISPATCH ? new InternodeDispatch(c, trace, maxSteps)
                    : new InternodeCombine(c, trace, maxSteps);
            default:
                return new LowLatency(c, trace, maxSteps);
        }
    }

    private static TimingResult result(final TimingCase c, final Kernel k, final TraceSink trace,
        final long started) {
        final int r = c.shape().ranks();
        final double[] rankUs = new double[r];
        int slowest = 0;
        for (int x = 0; x < r; x++) {
            rankUs[x] = k.rankEndPs[x] / (double) Durations.PS_PER_US;
            if (rankUs[x] > rankUs[slowest]) {
                slowest = x;
            }
        }
        final double main = rankUs[slowest];
        final long logical = Accounting.logicalBytes(c)[slowest];
        final FluidNet net = k.net;
        final Map<String, Double> util = new LinkedHashMap<>();
        final Map<String, Long> sat = new LinkedHashMap<>();
        final long mainPs = k.rankEndPs[slowest];
        for (int x = 0; x < net.resourceCount(); x++) {
            final String cls = net.resourceClass(x);
            final double u = mainPs > 0 ? net.delivered(x) / (net.capacity(x) * mainPs / 1e12) : 0;
            if (u > util.getOrDefault(cls, -1.0)) {
                util.put(cls, Math.min(1.0, u));
            }
            if (net.resourceRank(x) == slowest) {
                sat.merge(cls, net.saturatedPs(x), Math::max);
            }
        }
        final Map<String, Double> utilisation = new LinkedHashMap<>();
        for (final String cls : CLASSES) {
            if (util.containsKey(cls)) {
                utilisation.put(cls, util.get(cls));
            }
        }
        String bottleneck = AnalyticalModel.LATENCY;
        long best = 0;
        for (final String cls : CLASSES) {
            final long s = sat.getOrDefault(cls, 0L);
            if (s > best) {
                best = s;
                bottleneck = cls;
            }
        }
        if (best * 2 < mainPs) {
            bottleneck = AnalyticalModel.LATENCY;
        }
        final Map<String, Double> phases = AnalyticalModel.phasesUs(c, main);
        if (trace.enabled()) {
            trace(trace, phases, rankUs, k.hw.fixedPs);
        }
        return new TimingResult(TimingModels.DES, AnalyticalModel.mode(c.op()), r, c.shape().nodes(),
            AnalyticalModel.opName(c.op()), main, main > 0 ? logical / (main * 1e3) : 0.0, bottleneck, phases,
            logical, rankUs, utilisation, k.sim.eventsExecuted(), (System.nanoTime() - started) / 1e6);
    }

    private static void trace(final TraceSink trace, final Map<String, Double> phases, final double[] rankUs,
        final long fixedPs) {
        for (int x = 0; x < rankUs.length; x++) {
            long t = 0;
            for (final Map.Entry<String, Double> e : phases.entrySet()) {
                final boolean main = e.getKey().equals("main");
                final long d = Math.round((main ? rankUs[x] : e.getValue()) * 1e6);
                trace.span("rank " + x, e.getKey(), t, d);
                if (main && fixedPs > 0) {
                    trace.span("rank " + x, "fixed", t, fixedPs);
                }
                t += d;
            }
        }
    }
}
