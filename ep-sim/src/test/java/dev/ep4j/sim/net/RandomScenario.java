package dev.ep4j.sim.net;

import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A random workload for property tests: resources grouped in zones (so the flow graph has several components that
 * merge and split), flows with random paths, sizes and start times (quantised so that many start together), and
 * optional cancellations. {@link #run} replays it on a fresh simulator and network.
 */
final class RandomScenario {
    final long[] capacities;
    final int[][] paths;
    final long[] bytes;
    final long[] startPs;
    final long[] latencyPs;
    final long[] cancelPs;

    RandomScenario(final long seed, final int resources, final int flows, final boolean cancels,
                   final boolean allAtZero) {
        final SplittableRandom rnd = new SplittableRandom(seed);
        capacities = new long[resources];
        for (int r = 0; r < resources; r++) {
            capacities[r] = rnd.nextInt(4) == 0 ? 1_000_000_000L + rnd.nextLong(9_000_000_000L)
                : 10_000_000_000L + rnd.nextLong(190_000_000_000L);
        }
        final int zone = Math.max(2, resources / 4);
        paths = new int[flows][];
        bytes = new long[flows];
        startPs = new long[flows];
        latencyPs = new long[flows];
        cancelPs = new long[flows];
        for (int f = 0; f < flows; f++) {
            final int len = 1 + rnd.nextInt(4);
            final int z = rnd.nextInt((resources + zone - 1) / zone);
            final int[] p = new int[len];
            int k = 0;
            while (k < len) {
                final int r = rnd.nextInt(10) < 8 ? Math.min(resources - 1, z * zone + rnd.nextInt(zone))
                    : rnd.nextInt(resources);
                boolean dup = false;
                for (int i = 0; i < k; i++) {
                    dup |= p[i] == r;
                }
                if (!dup) {
                    p[k++] = r;
                }
            }
            paths[f] = p;
            bytes[f] = rnd.nextInt(20) == 0 ? 0L : 1L + rnd.nextLong(4_000_000L);
            startPs[f] = allAtZero ? 0L : Durations.PS_PER_US * rnd.nextInt(200) + (rnd.nextBoolean() ? 0L
                : rnd.nextLong(1_000L));
            latencyPs[f] = rnd.nextLong(2 * Durations.PS_PER_US);
            cancelPs[f] = cancels && rnd.nextInt(10) == 0 ? startPs[f] + rnd.nextLong(50 * Durations.PS_PER_US)
                : -1L;
        }
    }

    /** Outcome of one replay. */
    static final class Result {
        final Simulator sim;
        final Network net;
        long[] handles;
        long[] lastBytePs;
        long[] arrivalPs;
        int[] bottleneck;

        Result(final Simulator sim) {
            this.sim = sim;
            this.net = new Network(sim);
        }
    }

    /**
     * Replays the scenario.
     *
     * @param incremental network mode.
     * @param checker     called after every completed picosecond (rates settled), or null.
     */
    Result run(final boolean incremental, final java.util.function.Consumer<Result> checker) {
        return run(incremental, new Simulator(), checker);
    }

    /**
     * Replays the scenario on a given (fresh) simulator.
     *
     * @param incremental network mode.
     * @param simulator   the simulator (any calendar).
     * @param checker     called after every completed picosecond (rates settled), or null.
     */
    Result run(final boolean incremental, final Simulator simulator,
               final java.util.function.Consumer<Result> checker) {
        return run(incremental, simulator, SharingPolicy.MAX_MIN, checker);
    }

    /**
     * Replays the scenario on a given (fresh) simulator with a sharing policy.
     *
     * @param incremental network mode.
     * @param simulator   the simulator (any calendar).
     * @param policy      how flows share resources.
     * @param checker     called after every completed picosecond (rates settled), or null.
     */
    Result run(final boolean incremental, final Simulator simulator, final SharingPolicy policy,
               final java.util.function.Consumer<Result> checker) {
        final Result res = new Result(simulator);
        final Simulator sim = res.sim;
        final Network net = res.net;
        net.setIncremental(incremental);
        net.setSharingPolicy(policy);
        for (int r = 0; r < capacities.length; r++) {
            net.addResource("r" + r, ResourceKind.OTHER, capacities[r]);
        }
        final int n = paths.length;
        final Path[] p = new Path[n];
        for (int f = 0; f < n; f++) {
            p[f] = net.path(paths[f]);
        }
        res.handles = new long[n];
        Arrays.fill(res.handles, Network.NO_FLOW);
        res.lastBytePs = new long[n];
        res.arrivalPs = new long[n];
        res.bottleneck = new int[n];
        Arrays.fill(res.lastBytePs, -1L);
        Arrays.fill(res.arrivalPs, -1L);
        net.setFlowObserver((flow, tag, b, req, start, last, bn) -> {
            res.lastBytePs[(int) tag] = last;
            res.bottleneck[(int) tag] = bn;
        });
        final EventHandler arrive = (f, unused) -> res.arrivalPs[(int) f] = sim.nowPs();
        final EventHandler starter = (f, unused) -> res.handles[(int) f] = net.startFlow(p[(int) f], bytes[(int) f],
            latencyPs[(int) f], f, arrive, f, 0L);
        final EventHandler canceller = (f, unused) -> net.cancelFlow(res.handles[(int) f]);
        for (int f = 0; f < n; f++) {
            sim.schedule(startPs[f], EventClass.DEFAULT, starter, f, 0L);
            if (cancelPs[f] >= 0L) {
                sim.schedule(cancelPs[f], EventClass.DEFAULT, canceller, f, 0L);
            }
        }
        while (sim.step()) {
            if (checker != null && sim.nextEventTimePs() > sim.nowPs()) {
                checker.accept(res);
            }
        }
        return res;
    }
}
