package dev.ep4j.cuda;

import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.util.List;

/**
 * A CUDA graph captured on one rank's stream by {@link CudaBuffer#capture(Runnable)}: replaying it re-runs the
 * captured intranode operations (notify, dispatch, combine) without any host synchronisation. Every rank of the
 * group captures its own graph; launch them on every rank for each replay (the kernels meet as in an eager call).
 * The output tensors returned during capture are filled by each launch (their device addresses are fixed).
 *
 * <p>{@link #close()} waits for the rank's stream, frees the captured outputs and destroys the graph; idempotent.
 * Not thread-safe: use it from the rank's thread.
 */
public final class CudaGraph implements AutoCloseable {
    private final CudaBuffer buffer;
    private final long graph;
    private final long exec;
    private final List<DeviceTensor> outputs;
    private boolean closed;

    CudaGraph(final CudaBuffer buffer, final long graph, final long exec, final List<DeviceTensor> outputs) {
        this.buffer = buffer;
        this.graph = graph;
        this.exec = exec;
        this.outputs = outputs;
    }

    /**
     * Enqueues one replay on the rank's stream (asynchronous).
     */
    public void launch() {
        check();
        Cuda.setDevice(buffer.device());
        NativeErrors.check(Ep4jKernels.ep4j_graph_launch(exec, buffer.stream()), "CudaGraph.launch");
    }

    /**
     * Waits for the replays enqueued so far.
     *
     * @throws dev.ep4j.api.error.EpTimeoutException when a wait inside a replayed kernel timed out.
     */
    public void synchronize() {
        check();
        buffer.finish("graph replay");
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("CUDA graph of rank " + buffer.rank() + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.setDevice(buffer.device());
        try {
            Ep4jKernels.ep4j_stream_synchronize(buffer.stream());
            for (final DeviceTensor t : outputs) {
                t.close();
            }
        } finally {
            NativeErrors.check(Ep4jKernels.ep4j_graph_destroy(graph, exec), "CudaGraph.close");
        }
    }
}
