package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.timing.TraceSink;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples the bytes every resource of a {@link Pipeline} has carried, every {@code intervalPs} of simulated time, for
 * the utilisation counters of the trace. It only reads the network (after bringing the byte counters up to the
 * sample time, which the network's exact arithmetic does without changing any rate or end time), so a traced run
 * predicts exactly what an untraced one does; its own events are counted separately ({@link #events()}). It stops
 * once nothing else is pending, so a finished or deadlocked kernel still ends the run.
 *
 * <p>Not thread-safe: owned by one simulation.
 */
final class Sampler implements EventHandler {
    private final Pipeline p;
    private final long intervalPs;
    private final List<long[]> snapshots = new ArrayList<>();
    private final List<Long> times = new ArrayList<>();
    private long events;

    /**
     * @param p          the pipeline, before {@link Pipeline#run()}.
     * @param intervalPs sampling period, &gt; 0.
     */
    Sampler(final Pipeline p, final long intervalPs) {
        this.p = p;
        this.intervalPs = Math.max(1, intervalPs);
        snapshots.add(new long[p.resourceCount()]);
        times.add(0L);
        p.sim.schedule(this.intervalPs, EventClass.POLL, this, 0, 0);
    }

    @Override
    public void onEvent(final long arg0, final long arg1) {
        events++;
        p.net.syncCounters();
        final long[] bytes = new long[p.resourceCount()];
        for (int r = 0; r < bytes.length; r++) {
            bytes[r] = p.net.bytesDelivered(r);
        }
        snapshots.add(bytes);
        times.add(p.sim.nowPs());
        if (p.sim.pendingEvents() > 0) {
            p.sim.scheduleAfter(intervalPs, EventClass.POLL, this, 0, 0);
        }
    }

    /** Resources created after a snapshot (the run creates some paths lazily) had carried nothing then. */
    private long at(final int sample, final int r) {
        final long[] bytes = snapshots.get(sample);
        return r < bytes.length ? bytes[r] : 0;
    }

    /** @return events this sampler executed (not part of the kernel's own count). */
    long events() {
        return events;
    }

    /**
     * Writes resource {@code r}'s utilisation per sampling interval as a counter track {@code "<class> <name>"}.
     *
     * @param trace   the sink.
     * @param r       a resource of the pipeline.
     * @param offsetPs where the kernel starts on the trace's time axis.
     */
    void emit(final TraceSink trace, final int r, final long offsetPs) {
        final String track = p.resourceClass(r) + " " + p.net.resourceName(r);
        final double cap = p.net.capacity(r);
        for (int i = 1; i < snapshots.size(); i++) {
            final long dt = times.get(i) - times.get(i - 1);
            final long bytes = at(i, r) - at(i - 1, r);
            final double u = dt > 0 ? bytes / (cap * (dt / 1e12)) : 0;
            trace.counter(track, "utilisation", offsetPs + times.get(i - 1), Math.min(1.0, u));
        }
        trace.counter(track, "utilisation", offsetPs + times.get(times.size() - 1), 0.0);
    }
}
