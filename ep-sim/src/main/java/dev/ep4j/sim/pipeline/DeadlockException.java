package dev.ep4j.sim.pipeline;

import dev.ep4j.api.error.SimulationException;
import java.util.List;

/**
 * A simulated kernel cannot make progress: some stream waits for ring space or data that will never come. The message
 * names the ring that blocks (preferring one whose capacity is below what its producer needs, the usual cause: a
 * config whose receive buffer is smaller than a chunk), the simulated time, and up to five other blocked streams.
 * On a GPU the same configuration would spin until the timeout.
 */
public final class DeadlockException extends SimulationException {
    private static final long serialVersionUID = 1L;

    /** Name of the ring that blocked. */
    private final String ring;

    private DeadlockException(final String message, final String ring) {
        super(message);
        this.ring = ring;
    }

    /**
     * @return the name of the ring that blocked the kernel.
     */
    public String ring() {
        return ring;
    }

    static DeadlockException of(final String label, final long nowPs, final List<Stream> stuck) {
        Stream root = null;
        for (final Stream s : stuck) {
            final Ring r = s.blockedOn();
            if (s.waitsForSpace() && r.capacity() < r.expected() && root == null) {
                root = s;
            }
        }
        for (final Stream s : stuck) {
            if (root == null && s.blockedOn() != null) {
                root = s;
            }
        }
        if (root == null) {
            root = stuck.get(0);
        }
        final Ring r = root.blockedOn();
        final StringBuilder b = new StringBuilder();
        b.append("deadlock in ").append(label).append(" at ").append(nowPs / 1e6).append(" us: ")
            .append(stuck.size()).append(" streams can never finish; blocked ring: ")
            .append(r == null ? "none" : r.name()).append(". ").append(root.blockedReason()).append('.');
        if (root.waitsForSpace()) {
            b.append(" Fix: make the receive ring hold at least one chunk (raise the recv tokens of the config or"
                + " lower the chunk tokens).");
        }
        int shown = 0;
        for (final Stream s : stuck) {
            if (s != root && shown < 5) {
                b.append("\n  also blocked: ").append(s.blockedReason());
                shown++;
            }
        }
        return new DeadlockException(b.toString(), r == null ? "" : r.name());
    }
}
