package dev.ep4j.api;

import dev.ep4j.api.topology.Topology;

/**
 * The ranks of an EP group hosted by this JVM, one {@link EpBuffer} each (DeepEP's processes become threads: call
 * each buffer from its own thread). Closing the group closes its buffers.
 */
public interface EpGroup extends AutoCloseable {
    /**
     * @return the group's shape.
     */
    Topology topology();

    /**
     * @param rank a rank of the group.
     * @return that rank's buffer.
     */
    EpBuffer buffer(int rank);

    /**
     * Closes every buffer; idempotent.
     */
    @Override
    void close();
}
