package dev.ep4j.sim;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.EpGroup;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.exec.Rendezvous;

/**
 * A simulated EP group: one {@link SimBuffer} per rank and the rendezvous their collectives meet at. Thread-safe.
 */
final class SimGroup implements EpGroup {
    private final Topology topology;
    private final BufferSpec spec;
    private final Rendezvous rendezvous;
    private final SimBuffer[] buffers;
    private volatile boolean closed;

    SimGroup(final GroupSpec spec) {
        this.topology = spec.topology();
        this.spec = spec.buffer();
        this.rendezvous = new Rendezvous(topology.ranks(), spec.buffer().timeout());
        this.buffers = new SimBuffer[topology.ranks()];
        for (int r = 0; r < buffers.length; r++) {
            buffers[r] = new SimBuffer(this, r);
        }
    }

    @Override
    public Topology topology() {
        return topology;
    }

    BufferSpec spec() {
        return spec;
    }

    Rendezvous rendezvous() {
        return rendezvous;
    }

    SimBuffer peer(final int rank) {
        return buffers[rank];
    }

    @Override
    public EpBuffer buffer(final int rank) {
        if (closed) {
            throw new IllegalStateException("sim group " + topology + " is closed");
        }
        if (rank < 0 || rank >= buffers.length) {
            throw new IllegalArgumentException("rank=" + rank + " outside [0, " + buffers.length + ")");
        }
        return buffers[rank];
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (final SimBuffer b : buffers) {
            b.close();
        }
    }
}
