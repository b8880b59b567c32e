package dev.ep4j.sim.timing;

import dev.ep4j.api.config.CombineDtype;
import dev.ep4j.api.config.DispatchDtype;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the cases of a study with one {@link TimingModel}: generates each (scenario, EP size)'s routing once (top-k
 * indices only, exactly those of {@link ScenarioRunner#topkIdx}), reduces it to the traffic matrices the models need
 * (once per channel count), builds the {@link TimingCase}s and predicts them. Work runs on a fixed pool of
 * {@code threads} threads (ranks' routing in parallel, then cases in parallel); results come back in the order of the
 * input and do not depend on the thread count.
 *
 * <p>Every result carries the analytical bandwidth bound of its case. When the model throws
 * {@link UnsupportedOperationException} for a case, the analytical model predicts it instead and the result's note
 * says so; when a model beats the bound, the note says that too (a model bug).
 *
 * <p>Instances are immutable; {@link #run} may be called from several threads (each call has its own pool).
 */
public final class ScenarioSimulator {
    /** Tolerance when checking a model against the bound, microseconds (rounding of picoseconds). */
    private static final double BOUND_SLACK_US = 1e-3;

    /** Receives progress: called after each case, from pool threads, serialised. */
    @FunctionalInterface
    public interface Progress {
        /** Ignores progress. */
        Progress NONE = (done, total, spec) -> {
        };

        /**
         * @param done  cases finished so far.
         * @param total cases in the run.
         * @param spec  the case that just finished.
         */
        void caseDone(int done, int total, CaseSpec spec);
    }

    private final TimingModel model;
    private final int threads;
    private final AnalyticalModel fallback = new AnalyticalModel();

    /**
     * @param model   the model to predict with.
     * @param threads pool size, &gt;= 1.
     */
    public ScenarioSimulator(final TimingModel model, final int threads) {
        this.model = model;
        this.threads = Math.max(1, threads);
    }

    /**
     * @return the model.
     */
    public TimingModel model() {
        return model;
    }

    /**
     * @param specs    the cases.
     * @param trace    record each case's timeline ({@link CaseResult#trace()}).
     * @param progress called after each case.
     * @return one result per case, in input order.
     */
    public List<CaseResult> run(final List<CaseSpec> specs, final boolean trace, final Progress progress) {
        final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            final Thread t = new Thread(r, "ep4j-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            final Map<RoutingKey, List<HostTensor>> routing = routing(pool, specs);
            final Map<TrafficKey, Object> traffic = traffic(pool, specs, routing);
            final List<Callable<CaseResult>> tasks = new ArrayList<>();
            final AtomicInteger done = new AtomicInteger();
            final Object lock = new Object();
            for (final CaseSpec s : specs) {
                final Object t = traffic.get(TrafficKey.of(s));
                tasks.add(() -> {
                    final CaseResult r = predict(s, timingCase(s, t), trace);
                    synchronized (lock) {
                        progress.caseDone(done.incrementAndGet(), specs.size(), s);
                    }
                    return r;
                });
            }
            return all(pool, tasks);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Builds the timing cases of specs (routing and traffic computed once, in parallel) without predicting them; a
     * calibration re-predicts the same cases under different hardware parameters.
     *
     * @param specs the cases.
     * @return one timing case per spec, in input order.
     */
    public List<TimingCase> timingCases(final List<CaseSpec> specs) {
        final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            final Thread t = new Thread(r, "ep4j-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            final Map<TrafficKey, Object> traffic = traffic(pool, specs, routing(pool, specs));
            final List<TimingCase> out = new ArrayList<>();
            for (final CaseSpec s : specs) {
                out.add(timingCase(s, traffic.get(TrafficKey.of(s))));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Builds the timing case of a spec from its traffic.
     *
     * @param s       the spec.
     * @param traffic its {@link Traffic} (normal) or {@link LowLatencyTraffic}.
     * @return the case.
     */
    static TimingCase timingCase(final CaseSpec s, final Object traffic) {
        final WorkloadConfig w = s.scenario().workload();
        final boolean dispatch = s.op() == OpKind.DISPATCH || s.op() == OpKind.LL_DISPATCH;
        final boolean fp8 = dispatch && w.dispatchDtype() == DispatchDtype.FP8;
        final boolean logfmt = !dispatch && w.combineDtype() == CombineDtype.LOGFMT10;
        return new TimingCase(s.scenario().topology(), s.shape(), s.op(), s.config(), w.hidden(), w.topK(), fp8,
            logfmt && s.lowLatency(), s.lowLatency() ? null : (Traffic) traffic,
            s.lowLatency() ? (LowLatencyTraffic) traffic : null, s.lowLatency() ? w.tokensPerRank() : 0);
    }

    private CaseResult predict(final CaseSpec s, final TimingCase c, final boolean trace) {
        final TraceRecorder rec = trace ? new TraceRecorder(TraceRecorder.DEFAULT_CAP) : null;
        final TraceSink sink = rec == null ? TraceSink.NONE : rec;
        String note = "";
        TimingResult r;
        try {
            r = model.predict(c, sink);
        } catch (final UnsupportedOperationException e) {
            note = model.name() + " does not cover this case (" + e.getMessage() + "); analytical model used";
            r = fallback.predict(c, sink);
        }
        final AnalyticalBound full = AnalyticalModel.bound(c);
        final AnalyticalBound b = new AnalyticalBound(full.boundUs(), full.bottleneck(), full.resource(),
            full.classUs(), full.classResource(), full.classBytes(), full.rankUs(), List.of());
        if (r.timeUs() + BOUND_SLACK_US < b.boundUs()) {
            note = (note.isEmpty() ? "" : note + "; ") + "model " + r.model() + " predicts " + r.timeUs()
                + " us, below the bandwidth bound " + b.boundUs() + " us (" + b.resource() + "): a model bug";
        }
        return new CaseResult(s, r, b, rec, note);
    }

    /** Key of one routing: a scenario at one EP size. */
    private record RoutingKey(ResolvedScenario scenario, int ep) {
    }

    /** Key of one traffic matrix: a routing reduced for one channel count (0 for low-latency). */
    private record TrafficKey(RoutingKey routing, int channels) {
        static TrafficKey of(final CaseSpec s) {
            return new TrafficKey(new RoutingKey(s.scenario(), s.ep()), s.config() == null ? 0 : s.config().channels());
        }
    }

    private Map<RoutingKey, List<HostTensor>> routing(final ExecutorService pool, final List<CaseSpec> specs) {
        final Map<RoutingKey, List<Callable<HostTensor>>> tasks = new LinkedHashMap<>();
        for (final CaseSpec s : specs) {
            final RoutingKey key = new RoutingKey(s.scenario(), s.ep());
            if (!tasks.containsKey(key)) {
                final ScenarioRunner runner = new ScenarioRunner(s.scenario(), s.ep());
                final List<Callable<HostTensor>> ranks = new ArrayList<>();
                for (int r = 0; r < s.ep(); r++) {
                    final int rank = r;
                    ranks.add(() -> runner.topkIdx(rank));
                }
                tasks.put(key, ranks);
            }
        }
        final List<Callable<HostTensor>> flat = new ArrayList<>();
        tasks.values().forEach(flat::addAll);
        final List<HostTensor> all = all(pool, flat);
        final Map<RoutingKey, List<HostTensor>> out = new HashMap<>();
        int i = 0;
        for (final Map.Entry<RoutingKey, List<Callable<HostTensor>>> e : tasks.entrySet()) {
            out.put(e.getKey(), List.copyOf(all.subList(i, i + e.getValue().size())));
            i += e.getValue().size();
        }
        return out;
    }

    private Map<TrafficKey, Object> traffic(final ExecutorService pool, final List<CaseSpec> specs,
        final Map<RoutingKey, List<HostTensor>> routing) {
        final Map<TrafficKey, Callable<Object>> tasks = new LinkedHashMap<>();
        for (final CaseSpec s : specs) {
            final TrafficKey key = TrafficKey.of(s);
            if (!tasks.containsKey(key)) {
                final List<HostTensor> topk = routing.get(key.routing());
                final Topology shape = s.shape();
                final int experts = s.scenario().workload().experts();
                tasks.put(key, s.lowLatency() ? () -> LowLatencyTraffic.of(shape, experts, topk)
                    : () -> Traffic.of(shape, key.channels(), experts, topk));
            }
        }
        final List<Object> all = all(pool, new ArrayList<>(tasks.values()));
        final Map<TrafficKey, Object> out = new HashMap<>();
        int i = 0;
        for (final TrafficKey k : tasks.keySet()) {
            out.put(k, all.get(i++));
        }
        return out;
    }

    private static <T> List<T> all(final ExecutorService pool, final List<Callable<T>> tasks) {
        final List<Future<T>> futures = new ArrayList<>();
        for (final Callable<T> t : tasks) {
            futures.add(pool.submit(t));
        }
        final List<T> out = new ArrayList<>(tasks.size());
        try {
            for (final Future<T> f : futures) {
                out.add(f.get());
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("simulation interrupted", e);
        } catch (final ExecutionException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        }
        return out;
    }
}
