package dev.ep4j.api;

import dev.ep4j.api.topology.Topology;
import java.util.Objects;

/**
 * An EP group to open: its shape and every rank's buffer spec.
 *
 * @param topology nodes x GPUs per node.
 * @param buffer   buffer sizes and options, identical on every rank.
 */
public record GroupSpec(Topology topology, BufferSpec buffer) {
    /**
     * @throws NullPointerException when an argument is null.
     */
    public GroupSpec {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(buffer, "buffer");
    }
}
