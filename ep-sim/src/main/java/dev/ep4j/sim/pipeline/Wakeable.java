package dev.ep4j.sim.pipeline;

/** Something that waits on a counter and re-checks when it changes. Called on the simulator's thread only. */
@FunctionalInterface
interface Wakeable {
    /** A counter it may be waiting on changed (a tail or head became visible, a gate opened, input was fed). */
    void wake();
}
