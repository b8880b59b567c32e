package dev.ep4j.sim.event;

/**
 * Read access to virtual time. Simulation logic asks this clock, never {@code System.nanoTime()}.
 *
 * <p>Thread safety: implementations are single-threaded, like the simulator that owns them.
 */
@FunctionalInterface
public interface SimClock {
    /**
     * @return the current simulated time in picoseconds since the start of the run.
     */
    long nowPs();
}
