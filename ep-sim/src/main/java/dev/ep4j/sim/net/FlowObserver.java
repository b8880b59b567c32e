package dev.ep4j.sim.net;

/**
 * Told about every flow when its last byte leaves the path (not for cancelled flows), for statistics and bottleneck
 * attribution. Called from inside the event loop at {@code lastBytePs}; it must not start or cancel flows.
 *
 * <p>Thread safety: called on the simulator's single thread only.
 */
@FunctionalInterface
public interface FlowObserver {
    /**
     * @param flow               the flow's handle (no longer active).
     * @param tag                the tag given to {@code startFlow} (owner, phase; 0 if none).
     * @param bytes              the flow's size in bytes.
     * @param requestPs          when {@code startFlow} was called, in picoseconds.
     * @param startPs            when the first byte moved (later than {@code requestPs} only under a message-rate
     *                           limit), in picoseconds.
     * @param lastBytePs         when the last byte left the path (now), in picoseconds.
     * @param bottleneckResource the resource that bound the flow's rate for the most bytes (the first to saturate
     *                           on its path in progressive filling), or -1 for an empty flow.
     */
    void onFlowFinished(long flow, long tag, long bytes, long requestPs, long startPs, long lastBytePs,
                        int bottleneckResource);
}
