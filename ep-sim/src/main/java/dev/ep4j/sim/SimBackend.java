package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.EpGroup;
import dev.ep4j.api.GroupSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The opened {@code sim} backend: groups of ranks executed functionally on the CPU. Thread-safe.
 */
public final class SimBackend implements Backend {
    private final List<SimGroup> groups = new ArrayList<>();
    private boolean closed;

    @Override
    public String name() {
        return "sim";
    }

    @Override
    public synchronized EpGroup openGroup(final GroupSpec spec) {
        if (closed) {
            throw new IllegalStateException("sim backend is closed");
        }
        final SimGroup g = new SimGroup(spec);
        groups.add(g);
        return g;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        groups.forEach(SimGroup::close);
        groups.clear();
    }
}
