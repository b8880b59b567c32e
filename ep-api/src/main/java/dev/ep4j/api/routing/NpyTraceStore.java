package dev.ep4j.api.routing;

import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Npy;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads and writes routing traces as NumPy {@code .npy} files (INT64 top-k indices, [T, K] or [R, T, K]).
 * Stateless and thread-safe.
 */
public final class NpyTraceStore implements TraceStore {
    /** The shared instance. */
    public static final NpyTraceStore INSTANCE = new NpyTraceStore();

    private NpyTraceStore() {
    }

    @Override
    public HostTensor read(final Path path) throws IOException {
        return Npy.read(path);
    }

    @Override
    public void write(final Path path, final HostTensor tensor) throws IOException {
        Npy.write(path, tensor);
    }
}
