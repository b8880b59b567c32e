package dev.ep4j.api;

/**
 * An opened backend ({@code sim} or {@code cuda}): the root of the resource tree backend, group, buffer. Closing it
 * closes what it opened.
 */
public interface Backend extends AutoCloseable {
    /**
     * @return the backend's name.
     */
    String name();

    /**
     * Opens an EP group with every rank in this JVM.
     *
     * @param spec shape and buffer sizes.
     * @return the group.
     */
    EpGroup openGroup(GroupSpec spec);

    /**
     * Releases everything this backend opened; idempotent.
     */
    @Override
    void close();
}
