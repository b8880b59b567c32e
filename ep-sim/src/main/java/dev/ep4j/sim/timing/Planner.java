package dev.ep4j.sim.timing;

import dev.ep4j.api.config.DispatchDtype;
import dev.ep4j.api.config.EpMode;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.DefaultConfigs;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Capacity planning ({@code ep4j plan}): for each EP size, predicts dispatch and combine for every config of a grid
 * (SMs × NVLink chunk × NVLink ring × RDMA chunk × RDMA ring), computes the exact buffer bytes each needs
 * ({@link BufferSizing}'s need formulas, with the workload's real top-k and scale counts), pairs a dispatch and a
 * combine config of the same SM count (one buffer serves both, so it needs the larger NVLink and the larger RDMA
 * part), keeps the pairs whose NVLink + RDMA bytes fit the budget and ranks them by predicted dispatch + combine
 * time, then by bytes, then by SMs. Pairs that differ only in ring sizes are folded into the one needing the fewest
 * bytes. Low-latency workloads have no tunables: their plan is the one buffer DeepEP's layout needs and its time.
 *
 * <p>Stateless and thread-safe.
 */
public final class Planner {
    /** Fastest first, then fewest bytes, then fewest SMs, then the configs' text (a total order). */
    private static final Comparator<Candidate> ORDER = Comparator.comparingDouble(Candidate::totalUs)
        .thenComparingLong(Candidate::totalBytes).thenComparingInt(Candidate::sms)
        .thenComparing(c -> String.valueOf(c.dispatch()) + c.combine());

    private Planner() {
    }

    /**
     * The candidate grid. Chunk and ring values that break a config rule (semantics.md §2.1) for a shape are skipped.
     *
     * @param sms               SM counts (even).
     * @param dispatchNvlChunks NVLink send chunks tried for dispatch, tokens.
     * @param combineNvlChunks  NVLink send chunks tried for combine, tokens.
     * @param nvlRecv           NVLink ring capacities, tokens.
     * @param rdmaChunks        RDMA send chunks (internode only), tokens.
     * @param rdmaRecv          RDMA ring capacities (internode only), tokens.
     */
    public record Grid(List<Integer> sms, List<Integer> dispatchNvlChunks, List<Integer> combineNvlChunks,
        List<Integer> nvlRecv, List<Integer> rdmaChunks, List<Integer> rdmaRecv) {

        /**
         * Copies the lists.
         *
         * @param sms               SM counts.
         * @param dispatchNvlChunks dispatch NVLink chunks.
         * @param combineNvlChunks  combine NVLink chunks.
         * @param nvlRecv           NVLink rings.
         * @param rdmaChunks        RDMA chunks.
         * @param rdmaRecv          RDMA rings.
         */
        public Grid {
            sms = List.copyOf(sms);
            dispatchNvlChunks = List.copyOf(dispatchNvlChunks);
            combineNvlChunks = List.copyOf(combineNvlChunks);
            nvlRecv = List.copyOf(nvlRecv);
            rdmaChunks = List.copyOf(rdmaChunks);
            rdmaRecv = List.copyOf(rdmaRecv);
        }

        /**
         * @return ep4j's default grid: SMs 8, 16, 24, 32; dispatch NVLink chunks 4, 8, 16, 32 (DeepEP's tests sweep
         *     4..44); combine chunks 1, 2, 4, 8 (they sweep 1..16); NVLink rings 128, 256, 288, 512; RDMA chunks 4, 8,
         *     12, 16, 24; RDMA rings 64, 128, 256.
         */
        public static Grid defaults() {
            return new Grid(List.of(8, 16, 24, 32), List.of(4, 8, 16, 32), List.of(1, 2, 4, 8),
                List.of(128, 256, 288, 512), List.of(4, 8, 12, 16, 24), List.of(64, 128, 256));
        }
    }

    /**
     * A planned pair of configs with its buffer bytes and predicted times.
     *
     * @param sms           SMs of both kernels.
     * @param dispatch      the dispatch config (null for low-latency).
     * @param combine       the combine config (null for low-latency).
     * @param nvlBytes      NVLink buffer bytes the pair needs (exact).
     * @param rdmaBytes     RDMA buffer bytes the pair needs (exact; low-latency: DeepEP's layout).
     * @param hintNvlBytes  DeepEP's NVLink size hint for the pair (hidden bytes 2H), for comparison.
     * @param hintRdmaBytes DeepEP's RDMA size hint for the pair.
     * @param dispatchUs    predicted dispatch main-kernel time, microseconds.
     * @param combineUs     predicted combine main-kernel time, microseconds.
     * @param dispatchGBps  predicted dispatch bandwidth (DeepEP accounting).
     * @param combineGBps   predicted combine bandwidth.
     * @param bottleneck    the dispatch's and combine's bottlenecks, e.g. {@code "nvlink/rdma"}.
     */
    public record Candidate(int sms, KernelConfig dispatch, KernelConfig combine, long nvlBytes, long rdmaBytes,
        long hintNvlBytes, long hintRdmaBytes, double dispatchUs, double combineUs, double dispatchGBps,
        double combineGBps, String bottleneck) {

        /**
         * @return NVLink + RDMA bytes.
         */
        public long totalBytes() {
            return nvlBytes + rdmaBytes;
        }

        /**
         * @return dispatch + combine time, microseconds.
         */
        public double totalUs() {
            return dispatchUs + combineUs;
        }
    }

    /**
     * The plan of one EP size.
     *
     * @param scenario   the scenario.
     * @param ep         the EP size.
     * @param shape      its shape.
     * @param evaluated  dispatch and combine configs predicted.
     * @param pairs      distinct (dispatch, combine) pairs considered.
     * @param fitting    pairs that fit the budget.
     * @param top        the best fitting pairs, best first (empty when none fits).
     * @param smallest   the pair needing the fewest bytes (to say how far off the budget is), or null.
     */
    public record Plan(ResolvedScenario scenario, int ep, Topology shape, int evaluated, int pairs, int fitting,
        List<Candidate> top, Candidate smallest) {

        /**
         * @return the recommendation, or null when nothing fits.
         */
        public Candidate recommended() {
            return top.isEmpty() ? null : top.get(0);
        }
    }

    /**
     * @param scenario    the scenario.
     * @param eps         the EP sizes to plan.
     * @param grid        the candidate grid (ignored for low-latency).
     * @param budgetBytes GPU memory available for the buffers, bytes.
     * @param sim         the simulator (model and threads).
     * @param top         how many candidates to keep per EP size, &gt;= 1.
     * @param progress    called after each predicted config.
     * @return one plan per EP size, in order.
     */
    public static List<Plan> plan(final ResolvedScenario scenario, final List<Integer> eps, final Grid grid,
        final long budgetBytes, final ScenarioSimulator sim, final int top, final ScenarioSimulator.Progress progress) {
        final boolean ll = scenario.workload().mode() == EpMode.LOW_LATENCY;
        final List<CaseSpec> specs = new ArrayList<>();
        for (final int ep : eps) {
            specs.addAll(ll ? List.of(new CaseSpec(scenario, ep, OpKind.LL_DISPATCH, null),
                new CaseSpec(scenario, ep, OpKind.LL_COMBINE, null)) : candidates(scenario, ep, grid));
        }
        final List<CaseResult> results = sim.run(specs, false, progress);
        final List<Plan> plans = new ArrayList<>();
        for (final int ep : eps) {
            final List<CaseResult> mine = new ArrayList<>();
            for (final CaseResult r : results) {
                if (r.spec().ep() == ep) {
                    mine.add(r);
                }
            }
            plans.add(ll ? lowLatency(scenario, ep, mine, budgetBytes) : normal(scenario, ep, mine, budgetBytes,
                top));
        }
        return plans;
    }

    /**
     * @param scenario a normal-kernel scenario.
     * @param ep       an EP size.
     * @param grid     the grid.
     * @return every valid dispatch and combine config of the grid for that shape, as cases.
     */
    static List<CaseSpec> candidates(final ResolvedScenario scenario, final int ep, final Grid grid) {
        final Topology shape = scenario.topology().topology().shapeForRanks(ep);
        final boolean inter = shape.nodes() > 1;
        final List<CaseSpec> out = new ArrayList<>();
        final Set<KernelConfig> seen = new HashSet<>();
        for (final int sms : grid.sms()) {
            for (final OpKind op : List.of(OpKind.DISPATCH, OpKind.COMBINE)) {
                seen.clear();
                final KernelConfig def = DefaultConfigs.forTopology(shape, sms, op == OpKind.COMBINE);
                final List<Integer> chunks = op == OpKind.DISPATCH ? grid.dispatchNvlChunks()
                    : grid.combineNvlChunks();
                final List<Integer> rdmaChunks = inter ? grid.rdmaChunks() : List.of(def.rdmaChunkTokens());
                final List<Integer> rdmaRecv = inter ? grid.rdmaRecv() : List.of(def.rdmaRecvTokens());
                for (final int nc : chunks) {
                    for (final int nr : grid.nvlRecv()) {
                        for (final int rc : rdmaChunks) {
                            for (final int rr : rdmaRecv) {
                                final KernelConfig cfg = valid(sms, nc, nr, rc, rr, op, shape);
                                if (cfg != null && seen.add(cfg)) {
                                    out.add(new CaseSpec(scenario, ep, op, cfg));
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static KernelConfig valid(final int sms, final int nc, final int nr, final int rc, final int rr,
        final OpKind op, final Topology shape) {
        try {
            final KernelConfig cfg = new KernelConfig(sms, nc, nr, rc, rr);
            if (op == OpKind.COMBINE) {
                cfg.validateForInternodeCombine(shape.nodes());
            }
            return cfg;
        } catch (final ConfigException e) {
            return null;
        }
    }

    /**
     * @param scenario the scenario.
     * @param shape    the group.
     * @param op       dispatch or combine.
     * @param cfg      its config.
     * @return the exact NVLink and RDMA bytes the call needs.
     */
    public static BufferSizing.BufferNeed need(final ResolvedScenario scenario, final Topology shape,
        final OpKind op, final KernelConfig cfg) {
        final WorkloadConfig w = scenario.workload();
        final boolean fp8 = op == OpKind.DISPATCH && w.dispatchDtype() == DispatchDtype.FP8;
        final long hb = fp8 ? w.hidden() : 2L * w.hidden();
        final int scales = fp8 ? w.hidden() / Accounting.SCALE_GROUP : 0;
        if (shape.nodes() == 1) {
            final long nvl = op == OpKind.DISPATCH
                ? BufferSizing.intranodeDispatchNvlNeed(cfg, shape.ranks(), hb, w.topK(), scales)
                : BufferSizing.intranodeCombineNvlNeed(cfg, shape.ranks(), w.hidden(), w.topK());
            return new BufferSizing.BufferNeed(nvl, 0);
        }
        final long rec = op == OpKind.DISPATCH ? BufferSizing.internodeDispatchRecordBytes(hb, scales, w.topK())
            : BufferSizing.internodeCombineRecordBytes(w.hidden(), w.topK());
        return BufferSizing.internodeNeed(cfg, shape, rec);
    }

    private static Plan normal(final ResolvedScenario scenario, final int ep, final List<CaseResult> results,
        final long budget, final int top) {
        final Topology shape = scenario.topology().topology().shapeForRanks(ep);
        final long hb = 2L * scenario.workload().hidden();
        final Map<Integer, List<CaseResult>> dispatch = new LinkedHashMap<>();
        final Map<Integer, List<CaseResult>> combine = new LinkedHashMap<>();
        for (final CaseResult r : results) {
            (r.spec().op() == OpKind.DISPATCH ? dispatch : combine)
                .computeIfAbsent(r.spec().config().numSms(), k -> new ArrayList<>()).add(r);
        }
        final Map<String, Candidate> folded = new LinkedHashMap<>();
        int pairs = 0;
        int fitting = 0;
        Candidate smallest = null;
        for (final Map.Entry<Integer, List<CaseResult>> e : dispatch.entrySet()) {
            for (final CaseResult d : e.getValue()) {
                final BufferSizing.BufferNeed nd = need(scenario, shape, OpKind.DISPATCH, d.spec().config());
                for (final CaseResult c : combine.getOrDefault(e.getKey(), List.of())) {
                    final KernelConfig dc = d.spec().config();
                    final KernelConfig cc = c.spec().config();
                    final BufferSizing.BufferNeed n = nd.max(need(scenario, shape, OpKind.COMBINE, cc));
                    final Candidate cand = new Candidate(e.getKey(), dc, cc, n.nvlBytes(), n.rdmaBytes(),
                        Math.max(BufferSizing.nvlSizeHint(dc, hb, shape), BufferSizing.nvlSizeHint(cc, hb, shape)),
                        Math.max(BufferSizing.rdmaSizeHint(dc, hb, shape), BufferSizing.rdmaSizeHint(cc, hb, shape)),
                        d.result().timeUs(), c.result().timeUs(), d.result().bandwidthGBps(),
                        c.result().bandwidthGBps(), d.result().bottleneck() + "/" + c.result().bottleneck());
                    pairs++;
                    if (smallest == null || cand.totalBytes() < smallest.totalBytes()) {
                        smallest = cand;
                    }
                    if (cand.totalBytes() > budget) {
                        continue;
                    }
                    fitting++;
                    final String key = e.getKey() + ":" + dc.nvlChunkTokens() + ":" + dc.rdmaChunkTokens() + ":"
                        + cc.nvlChunkTokens() + ":" + cc.rdmaChunkTokens();
                    final Candidate old = folded.get(key);
                    if (old == null || ORDER.compare(cand, old) < 0) {
                        folded.put(key, cand);
                    }
                }
            }
        }
        final List<Candidate> best = new ArrayList<>(folded.values());
        best.sort(ORDER);
        return new Plan(scenario, ep, shape, results.size(), pairs, fitting,
            List.copyOf(best.subList(0, Math.min(top, best.size()))), smallest);
    }

    private static Plan lowLatency(final ResolvedScenario scenario, final int ep, final List<CaseResult> results,
        final long budget) {
        final Topology shape = scenario.topology().topology().shapeForRanks(ep);
        final WorkloadConfig w = scenario.workload();
        final long bytes = BufferSizing.lowLatencySizeHint(w.tokensPerRank(), w.hidden(), ep, w.experts());
        final CaseResult d = results.get(0);
        final CaseResult c = results.get(1);
        final Candidate cand = new Candidate(Accounting.llGrid(w.experts(), scenario.topology().gpu().smCount()),
            null, null, 0, bytes, 0, bytes, d.result().timeUs(), c.result().timeUs(), d.result().bandwidthGBps(),
            c.result().bandwidthGBps(), d.result().bottleneck() + "/" + c.result().bottleneck());
        final boolean fits = bytes <= budget;
        return new Plan(scenario, ep, shape, results.size(), 1, fits ? 1 : 0, fits ? List.of(cand) : List.of(),
            cand);
    }
}
