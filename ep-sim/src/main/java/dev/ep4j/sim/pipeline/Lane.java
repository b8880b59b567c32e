package dev.ep4j.sim.pipeline;

import java.util.ArrayDeque;

/**
 * A warp group of one SM that serves several {@link Stream}s in turn, one chunk at a time (DeepEP assigns warps per
 * destination rank, and a warp walks its source nodes in turn): at most one of its streams has a transfer in flight.
 * A stream that becomes ready while the lane is busy queues; when the lane frees, queued streams get it in arrival
 * order (round robin, since the stream that just moved queues again at the end).
 *
 * <p>Not thread-safe: owned by one simulation.
 */
final class Lane {
    private final ArrayDeque<Stream> queue = new ArrayDeque<>();
    private boolean busy;

    /**
     * @param s a stream that may move.
     */
    void request(final Stream s) {
        if (busy) {
            s.queued(true);
            queue.add(s);
            return;
        }
        busy = s.step();
    }

    /** The lane's transfer has landed; the next queued stream that can move gets the lane. */
    void release() {
        busy = false;
        while (!busy && !queue.isEmpty()) {
            final Stream s = queue.poll();
            s.queued(false);
            busy = s.step();
        }
    }
}
