package dev.ep4j.cuda;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.layout.DispatchLayout;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.util.Objects;

/**
 * Runs the dispatch-layout kernel ({@code layout.cu}, semantics.md §3) on the GPU. Its outputs equal
 * {@link DispatchLayout#compute} byte for byte for every input, including −1 and other out-of-range ids (ignored),
 * duplicate experts in a row, {@code T = 0} and {@code K = 0}, any rank count, expert count and GPUs per node.
 *
 * <p>Input: {@code topk_idx} INT64 or INT32 {@code [T, K]}, as a {@link DeviceTensor} (used in place) or a
 * {@link HostTensor} (uploaded to a temporary device tensor and freed). The call is synchronous: it returns after
 * the kernel finished on the legacy default stream, so errors surface here.
 *
 * <p>Stateless and thread-safe; each call allocates its own outputs.
 */
public final class CudaLayout {
    private CudaLayout() {
    }

    /**
     * Computes the layout into new device tensors, which the caller owns and must close (see {@link #close}).
     *
     * @param topkIdx    INT64/INT32 {@code [T, K]} expert ids, on the device or the host.
     * @param numExperts total experts {@code E}, a positive multiple of {@code topology.ranks()}.
     * @param topology   the group shape (ranks node-major, any GPUs per node).
     * @return {@link DeviceTensor}s: INT32 [R] per rank, INT32 [nodes] per node ({@code null} for a single-node
     *     group, as DeepEP), INT32 [E] per expert, BOOL [T, R] membership; untimed stats.
     */
    public static DispatchLayoutResult compute(final Tensor topkIdx, final int numExperts, final Topology topology) {
        final DeviceTensor[] out = run(topkIdx, numExperts, topology, topology.isInternode());
        return new DispatchLayoutResult(out[0], out[1], out[2], out[3], OpStats.untimed("dispatchLayout"));
    }

    /**
     * Computes the layout on the GPU and downloads it, per-node counts included for every topology, in the form of
     * the host reference so that the two compare with {@link DispatchLayout#equals}.
     *
     * @param topkIdx    INT64/INT32 {@code [T, K]} expert ids, on the device or the host.
     * @param numExperts total experts.
     * @param topology   the group shape.
     * @return the layout in host memory; no device memory stays allocated.
     */
    public static DispatchLayout computeToHost(final Tensor topkIdx, final int numExperts, final Topology topology) {
        final DeviceTensor[] out = run(topkIdx, numExperts, topology, true);
        try {
            return new DispatchLayout(topology, numExperts, out[0].download(), out[1].download(), out[2].download(),
                out[3].download());
        } finally {
            for (final DeviceTensor t : out) {
                t.close();
            }
        }
    }

    /**
     * Closes the device tensors of a result returned by {@link #compute}; null components are skipped.
     *
     * @param result a result of {@link #compute}.
     */
    public static void close(final DispatchLayoutResult result) {
        for (final Tensor t : new Tensor[] {result.numTokensPerRank(), result.numTokensPerNode(),
            result.numTokensPerExpert(), result.isTokenInRank()}) {
            if (t instanceof DeviceTensor) {
                ((DeviceTensor) t).close();
            }
        }
    }

    private static DeviceTensor[] run(final Tensor topkIdx, final int numExperts, final Topology topology,
                                      final boolean withNodes) {
        Objects.requireNonNull(topkIdx, "topkIdx");
        Objects.requireNonNull(topology, "topology");
        if (topkIdx.rank() != 2 || (topkIdx.dtype() != DType.INT64 && topkIdx.dtype() != DType.INT32)) {
            throw new InvalidInputException("topk_idx must be a 2-D INT64 or INT32 tensor [T, K], got dtype "
                + topkIdx.dtype() + " with " + topkIdx.rank() + " dimensions; convert it to INT64");
        }
        final int ranks = topology.ranks();
        if (numExperts < 1 || numExperts % ranks != 0) {
            throw new InvalidInputException("numExperts=" + numExperts + " must be a positive multiple of the rank "
                + "count " + ranks + " (topology " + topology + ")");
        }
        if (topkIdx.dim(1) > Integer.MAX_VALUE) {
            throw new InvalidInputException("topk_idx has K=" + topkIdx.dim(1) + " columns; at most "
                + Integer.MAX_VALUE);
        }
        Cuda.ensureAvailable();
        final long tokens = topkIdx.dim(0);
        final int topK = (int) topkIdx.dim(1);

        final DeviceTensor owned;
        final DeviceTensor input;
        if (topkIdx instanceof DeviceTensor) {
            owned = null;
            input = (DeviceTensor) topkIdx;
        } else if (topkIdx.hostView() != null) {
            owned = DeviceTensor.upload(topkIdx.hostView());
            input = owned;
        } else {
            throw new InvalidInputException("topk_idx " + topkIdx + " is neither a DeviceTensor nor host-readable");
        }
        final DeviceTensor[] out = new DeviceTensor[4];
        try {
            out[0] = DeviceTensor.allocate(DType.INT32, ranks);
            out[1] = withNodes ? DeviceTensor.allocate(DType.INT32, topology.nodes()) : null;
            out[2] = DeviceTensor.allocate(DType.INT32, numExperts);
            out[3] = DeviceTensor.allocate(DType.BOOL, tokens, ranks);
            NativeErrors.check(Ep4jKernels.ep4j_layout(input.address(), input.dtype().byteSize(), tokens, topK,
                numExperts, ranks, topology.gpusPerNode(), out[0].address(), out[1] == null ? 0L : out[1].address(),
                out[2].address(), out[3].address(), 0L), "CudaLayout");
            NativeErrors.check(Ep4jKernels.ep4j_stream_synchronize(0L), "CudaLayout");
            return out;
        } catch (final RuntimeException e) {
            for (final DeviceTensor t : out) {
                if (t != null) {
                    try {
                        t.close();
                    } catch (final RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        } finally {
            if (owned != null) {
                owned.close();
            }
        }
    }
}
