package dev.ep4j.sim.event;

/**
 * Receives an event. An event carries no object of its own: the handler (usually a long-lived model component) plus
 * two {@code long} arguments say what happened, so scheduling allocates nothing. A typical encoding is
 * {@code arg0} = an event kind or a packed (channel, peer) and {@code arg1} = a chunk index or a byte count.
 *
 * <p>The current time is {@link Simulator#nowPs()}. A handler may schedule, cancel and reschedule events and start
 * flows; it must not call {@link Simulator#step()} or the {@code run…} methods re-entrantly.
 *
 * <p>Thread safety: called on the simulator's single thread only.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Handles one event at {@link Simulator#nowPs()}.
     *
     * @param arg0 first argument, as given to {@code schedule}.
     * @param arg1 second argument, as given to {@code schedule}.
     */
    void onEvent(long arg0, long arg1);
}
