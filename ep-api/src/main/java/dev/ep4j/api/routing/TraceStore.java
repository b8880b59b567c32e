package dev.ep4j.api.routing;

import dev.ep4j.api.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads and writes the tensor of a routing trace file. ep4j stores traces as NumPy {@code .npy} files; this interface
 * keeps the routing package independent of the file codec, so the integration wires it to the shared npy reader
 * and writer (for example {@code new TraceStore() { read → Npy.read(file); write → Npy.write(file, t) }}) and tests
 * use an in-memory map.
 *
 * <p>Implementations state their own thread-safety; {@link RoutingTrace} calls them from the caller's thread.
 */
public interface TraceStore {

    /**
     * @param file the trace file.
     * @return its tensor: an integer {@code [T, K]} or {@code [R, T, K]} array of expert ids.
     * @throws IOException when the file cannot be read or is not a valid tensor file.
     */
    HostTensor read(Path file) throws IOException;

    /**
     * @param file   the trace file to create or replace.
     * @param tensor the INT64 {@code [T, K]} or {@code [R, T, K]} expert ids to store.
     * @throws IOException when the file cannot be written.
     */
    void write(Path file, HostTensor tensor) throws IOException;
}
