package dev.ep4j.sim.timing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A {@link TraceSink} that keeps one case's events in memory, up to a cap (beyond it events are counted, not kept, so
 * a per-chunk DES trace of a large case cannot exhaust the heap). Not thread-safe: one recorder per case, filled by
 * the thread that predicts it.
 */
public final class TraceRecorder implements TraceSink {
    /** Default most events kept per case (about 3 MB of trace.json per case; a 20-case run stays under 60 MB). */
    public static final int DEFAULT_CAP = 25_000;

    /**
     * One recorded event.
     *
     * @param track      timeline row.
     * @param name       label.
     * @param startPs    start, ps.
     * @param durationPs duration, ps; for a counter, 0.
     * @param counter    true for a counter sample.
     * @param value      the counter value (0 for spans).
     */
    public record Event(String track, String name, long startPs, long durationPs, boolean counter, double value) {
    }

    private final int cap;
    private final List<Event> events = new ArrayList<>();
    private long dropped;

    /**
     * @param cap most events kept, &gt;= 0.
     */
    public TraceRecorder(final int cap) {
        this.cap = cap;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void span(final String track, final String name, final long startPs, final long durationPs) {
        add(new Event(track, name, startPs, Math.max(0, durationPs), false, 0));
    }

    @Override
    public void counter(final String track, final String name, final long timePs, final double value) {
        add(new Event(track, name, timePs, 0, true, value));
    }

    private void add(final Event e) {
        if (events.size() < cap) {
            events.add(e);
        } else {
            dropped++;
        }
    }

    /**
     * @return the kept events, in arrival order (unmodifiable view).
     */
    public List<Event> events() {
        return Collections.unmodifiableList(events);
    }

    /**
     * @return events beyond the cap, not kept.
     */
    public long dropped() {
        return dropped;
    }
}
