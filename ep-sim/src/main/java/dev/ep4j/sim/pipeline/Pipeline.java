package dev.ep4j.sim.pipeline;

import dev.ep4j.api.error.SimulationException;
import dev.ep4j.sim.event.Simulator;
import dev.ep4j.sim.net.Network;
import dev.ep4j.sim.net.Path;
import dev.ep4j.sim.net.ResourceKind;
import dev.ep4j.sim.net.ResourceSpec;
import dev.ep4j.sim.net.SharingPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One simulated kernel: the event core, the network of resources (shared by {@link SharingPolicy#EQUAL_SHARE}: a
 * flow gets the least over its path of capacity / flows, which is max-min fair for the symmetric all-to-all patterns
 * of these kernels and orders of magnitude cheaper than exact max-min on them), the rings and the streams.
 * {@link #run()} starts every stream at time 0 and runs until no event is left; a stream that has not finished then
 * can never finish (nothing polls in the model, so a stuck pipeline drains the event queue at once) and the run
 * fails with a {@link DeadlockException} naming the ring that blocked it.
 *
 * <p>Not thread-safe; one instance per prediction.
 */
final class Pipeline {
    /** Most events one kernel may take before the run is stopped (a guard against model bugs, not a limit in use). */
    static final long EVENT_BUDGET = 400_000_000L;

    final Simulator sim = new Simulator();
    final Network net = new Network(sim);
    private final List<Stream> streams = new ArrayList<>();
    private final List<Ring> rings = new ArrayList<>();
    private final Map<String, Integer> byName = new HashMap<>();
    private final List<String> classes = new ArrayList<>();
    private final List<Integer> owners = new ArrayList<>();
    private final long[] rankEndPs;
    private final String label;
    private long steps;
    private int maxSteps;

    /**
     * @param label what is simulated, for messages.
     * @param ranks R.
     */
    Pipeline(final String label, final int ranks) {
        this.label = label;
        this.rankEndPs = new long[ranks];
        net.setSharingPolicy(SharingPolicy.EQUAL_SHARE);
        sim.setEventBudget(EVENT_BUDGET);
    }

    /**
     * A resource, created on first use of its name.
     *
     * @param name           unique name, e.g. {@code "gpu3 nvlink-tx"}.
     * @param kind           what it stands for.
     * @param cls            attribution class (nvlink, rdma, pcie, sm).
     * @param rank           the rank it is attributed to.
     * @param bytesPerSec    capacity.
     * @param messagesPerSec message issue limit, 0 for none.
     * @return its id.
     */
    int resource(final String name, final ResourceKind kind, final String cls, final int rank,
        final double bytesPerSec, final long messagesPerSec) {
        final Integer id = byName.get(name);
        if (id != null) {
            return id;
        }
        final int r = net.addResource(new ResourceSpec(name, kind, Math.max(1L, Math.round(bytesPerSec)), 1.0,
            messagesPerSec));
        byName.put(name, r);
        classes.add(cls);
        owners.add(rank);
        return r;
    }

    Path path(final int... resources) {
        return net.path(resources);
    }

    Ring ring(final String name, final int capacity, final long expected, final long tailDelayPs,
        final long headDelayPs, final int lazyStep) {
        final Ring r = new Ring(name, sim, capacity, expected, tailDelayPs, headDelayPs, lazyStep);
        rings.add(r);
        return r;
    }

    /**
     * Coarsens large kernels: from now on a stream built with an output moves chunks of at least
     * {@code ceil(tokens / maxSteps)} tokens (never more than half its ring), so it takes at most about
     * {@code maxSteps} steps; 0 keeps the configured chunks.
     *
     * @param value steps per stream, or 0.
     */
    void maxSteps(final int value) {
        this.maxSteps = value;
    }

    int maxSteps() {
        return maxSteps;
    }

    void add(final Stream s) {
        streams.add(s);
    }

    void finished(final Stream s) {
        rankEndPs[s.rank] = Math.max(rankEndPs[s.rank], sim.nowPs());
    }

    /**
     * A rank's part of the kernel (not built from streams) ended now.
     *
     * @param rank the rank.
     */
    void markDone(final int rank) {
        rankEndPs[rank] = Math.max(rankEndPs[rank], sim.nowPs());
    }

    void progress() {
        steps++;
    }

    /**
     * Runs the kernel to its end.
     *
     * @throws DeadlockException when some stream can never finish.
     */
    void run() {
        for (final Stream s : streams) {
            s.wake();
        }
        try {
            sim.runUntilIdle();
        } catch (final IllegalStateException e) {
            throw new SimulationException(label + ": " + e.getMessage(), e);
        }
        final List<Stream> stuck = new ArrayList<>();
        for (final Stream s : streams) {
            if (!s.done()) {
                stuck.add(s);
            }
        }
        if (!stuck.isEmpty()) {
            throw DeadlockException.of(label, sim.nowPs(), stuck);
        }
    }

    long[] rankEndPs() {
        return rankEndPs;
    }

    List<Ring> rings() {
        return rings;
    }

    int resourceCount() {
        return classes.size();
    }

    String resourceClass(final int r) {
        return classes.get(r);
    }

    int resourceRank(final int r) {
        return owners.get(r);
    }

    long steps() {
        return steps;
    }
}
