package dev.ep4j.sim.timing;

/**
 * Receives the simulated timeline of one kernel for the Chrome/Perfetto trace ({@code trace.json}). A timing model
 * that supports tracing overrides {@link TimingModel#predict(TimingCase, TraceSink)} and reports spans (a phase, a
 * chunk transfer, a busy period of a resource) on named tracks; the writer turns every track into one timeline row.
 *
 * <p>Track names: {@code "rank <r>"} for what rank {@code r}'s kernel does (its phases), {@code "rank <r> <sub>"} for
 * finer rows of that rank (e.g. {@code "rank 3 ch5 sender"}); for resources {@code "<class> <instance>"}, e.g.
 * {@code "nvlink gpu3 tx"}, {@code "rdma nic11 rx"}, {@code "sm gpu3 ch5"}. Rank rows come first, in rank order,
 * then the others by name. Times are picoseconds from the start of the case (the first phase starts at 0). Spans on
 * one track may overlap (they are then drawn nested); the order of calls does not matter, the writer sorts.
 *
 * <p>A sink belongs to one case and is called from the thread that predicts it; implementations need not be
 * thread-safe. Models should check {@link #enabled()} before building names, so that untraced runs pay nothing.
 */
public interface TraceSink {
    /** A sink that records nothing. */
    TraceSink NONE = new TraceSink() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void span(final String track, final String name, final long startPs, final long durationPs) {
        }
    };

    /**
     * @return false when calls are ignored (skip building the events).
     */
    boolean enabled();

    /**
     * A span of activity.
     *
     * @param track      the timeline row (see the naming rules above).
     * @param name       what happens, e.g. {@code "main"}, {@code "ch3 chunk 12 -> gpu5"}.
     * @param startPs    start, picoseconds from the case start, &gt;= 0.
     * @param durationPs duration, picoseconds, &gt;= 0.
     */
    void span(String track, String name, long startPs, long durationPs);

    /**
     * A sampled value (ring occupancy in tokens, utilisation 0..1), drawn as a counter track. Ignored by default.
     *
     * @param track  the counter's row.
     * @param name   the series, e.g. {@code "tokens"}.
     * @param timePs when, picoseconds from the case start.
     * @param value  the value from then on.
     */
    default void counter(final String track, final String name, final long timePs, final double value) {
    }
}
