package dev.ep4j.api.layout;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.Objects;

/**
 * The dispatch layout of one rank's tokens: the pure reference of DeepEP's layout kernel
 * ({@code get_dispatch_layout}), computed on the host from {@code topk_idx}. Both backends must produce exactly these
 * values; the CUDA kernel is checked against {@link #compute}.
 *
 * <p>With {@code R = topology.ranks()} and {@code E_loc = numExperts / R}, expert {@code e} lives on rank
 * {@code e / E_loc} and rank {@code r} on node {@code r / topology.gpusPerNode()}. For every token {@code t}:
 * <ul>
 *   <li>{@code numTokensPerExpert[e]} counts the (token, k) entries equal to {@code e}: a duplicate expert in one
 *       row counts twice;</li>
 *   <li>{@code isTokenInRank[t][r]} is true iff some entry of row {@code t} is an expert of rank {@code r};</li>
 *   <li>{@code numTokensPerRank[r]} counts tokens with at least one expert on rank {@code r} (once per rank);</li>
 *   <li>{@code numTokensPerNode[n]} counts tokens with at least one expert on a rank of node {@code n} (once per
 *       node).</li>
 * </ul>
 *
 * <p><b>Ignored entries.</b> As in the kernel, an entry of −1 (no selection) and any other value outside
 * {@code [0, numExperts)} falls in no expert range and is ignored here. The public API layer rejects values below −1
 * or at least {@code numExperts} before this reference (or a backend) runs, so in practice only −1 reaches it; the
 * leniency exists so that the reference matches the kernel on any input.
 *
 * <p><b>Per-node counts.</b> DeepEP returns {@code num_tokens_per_rdma_rank} only when {@code R > 8} (more than one
 * fixed 8-GPU node) and {@code None} otherwise. ep4j's "node" is a {@link Topology} node of any NVLink domain size,
 * and {@link #numTokensPerNode()} is computed for every topology; for a single node it equals the number of tokens
 * with at least one valid expert. A backend mirroring DeepEP's API exposes it only when
 * {@link Topology#isInternode()}.
 *
 * <p>The record holds its tensors without copying them. A backend can wrap the tensors its own layout kernel
 * returned in a {@code DispatchLayout} and compare it with {@link #compute}'s result: {@link #equals} compares
 * content byte for byte. Instances are immutable as long as nobody writes into the tensors; concurrent reads from
 * several threads are safe.
 *
 * @param topology           the group shape the layout was computed for.
 * @param numExperts         total experts {@code E}, a positive multiple of {@code topology.ranks()}.
 * @param numTokensPerRank   INT32 {@code [R]}: tokens sent to each rank (DeepEP {@code num_tokens_per_rank}).
 * @param numTokensPerNode   INT32 {@code [nodes]}: tokens sent to each node (DeepEP {@code num_tokens_per_rdma_rank}).
 * @param numTokensPerExpert INT32 {@code [E]}: (token, k) selections of each expert.
 * @param isTokenInRank      BOOL {@code [T, R]}: token-by-rank membership, row-major.
 */
public record DispatchLayout(
        Topology topology,
        int numExperts,
        HostTensor numTokensPerRank,
        HostTensor numTokensPerNode,
        HostTensor numTokensPerExpert,
        HostTensor isTokenInRank) {

    /**
     * Checks that the components fit together.
     *
     * @param topology           see the record component {@code topology}.
     * @param numExperts         see the record component {@code numExperts}.
     * @param numTokensPerRank   see the record component {@code numTokensPerRank}.
     * @param numTokensPerNode   see the record component {@code numTokensPerNode}.
     * @param numTokensPerExpert see the record component {@code numTokensPerExpert}.
     * @param isTokenInRank      see the record component {@code isTokenInRank}.
     * @throws InvalidInputException when a component is missing or has the wrong dtype or shape.
     */
    public DispatchLayout {
        Objects.requireNonNull(topology, "topology");
        checkExperts(numExperts, topology);
        final int ranks = topology.ranks();
        checkTensor("numTokensPerRank", numTokensPerRank, DType.INT32, ranks);
        checkTensor("numTokensPerNode", numTokensPerNode, DType.INT32, topology.nodes());
        checkTensor("numTokensPerExpert", numTokensPerExpert, DType.INT32, numExperts);
        Objects.requireNonNull(isTokenInRank, "isTokenInRank");
        if (isTokenInRank.dtype() != DType.BOOL || isTokenInRank.rank() != 2 || isTokenInRank.dim(1) != ranks) {
            throw new InvalidInputException("isTokenInRank must be BOOL [T, " + ranks + "], got " + isTokenInRank);
        }
    }

    /**
     * Computes the layout of one rank's {@code topk_idx}. Deterministic: a pure function of its arguments.
     *
     * @param topkIdx    INT64 or INT32 {@code [T, K]} expert ids, row-major; −1 means no selection, and any other
     *                   value outside {@code [0, numExperts)} is ignored the same way (see the class comment).
     *                   {@code T = 0} and {@code K = 0} are allowed.
     * @param numExperts total experts {@code E}, at least 1 and divisible by {@code topology.ranks()}.
     * @param topology   the group shape; ranks are numbered node-major.
     * @return the freshly allocated layout.
     * @throws InvalidInputException when {@code topkIdx} is not a 2-D INT64/INT32 tensor or {@code numExperts} does
     *                               not divide evenly over the ranks.
     */
    public static DispatchLayout compute(final HostTensor topkIdx, final int numExperts, final Topology topology) {
        Objects.requireNonNull(topkIdx, "topkIdx");
        Objects.requireNonNull(topology, "topology");
        if (topkIdx.rank() != 2 || (topkIdx.dtype() != DType.INT64 && topkIdx.dtype() != DType.INT32)) {
            throw new InvalidInputException("topk_idx must be a 2-D INT64 or INT32 tensor [T, K], got " + topkIdx
                + "; convert it to INT64");
        }
        checkExperts(numExperts, topology);
        final int tokens = (int) topkIdx.dim(0);
        final int topK = (int) topkIdx.dim(1);
        final int ranks = topology.ranks();
        final int nodes = topology.nodes();
        final int gpusPerNode = topology.gpusPerNode();
        final int expertsPerRank = numExperts / ranks;

        final int[] perRank = new int[ranks];
        final int[] perNode = new int[nodes];
        final int[] perExpert = new int[numExperts];
        final HostTensor inRank = HostTensor.zeros(DType.BOOL, tokens, ranks);
        // Stamp arrays hold token + 1 for the last token counted, so a rank or node hit twice by one row counts once.
        final int[] rankStamp = new int[ranks];
        final int[] nodeStamp = new int[nodes];
        for (int t = 0; t < tokens; t++) {
            final long rowBase = (long) t * topK;
            for (int k = 0; k < topK; k++) {
                final long expert = topkIdx.getIntegral(rowBase + k);
                if (expert < 0 || expert >= numExperts) {
                    continue;
                }
                perExpert[(int) expert]++;
                final int rank = (int) expert / expertsPerRank;
                if (rankStamp[rank] != t + 1) {
                    rankStamp[rank] = t + 1;
                    perRank[rank]++;
                    inRank.setBool((long) t * ranks + rank, true);
                }
                final int node = rank / gpusPerNode;
                if (nodeStamp[node] != t + 1) {
                    nodeStamp[node] = t + 1;
                    perNode[node]++;
                }
            }
        }
        return new DispatchLayout(topology, numExperts, intTensor(perRank), intTensor(perNode),
            intTensor(perExpert), inRank);
    }

    /**
     * @return the number of tokens {@code T} (rows of {@link #isTokenInRank()}).
     */
    public int numTokens() {
        return (int) isTokenInRank.dim(0);
    }

    /**
     * @return experts per rank {@code E_loc = numExperts / R}, at least 1.
     */
    public int expertsPerRank() {
        return numExperts / topology.ranks();
    }

    /**
     * @param rank a global rank in {@code [0, R)}.
     * @return the tokens sent to {@code rank} in ascending order (length {@code numTokensPerRank[rank]}); this is
     *     the order in which a sender emits them to that rank.
     * @throws InvalidInputException when {@code rank} is outside {@code [0, R)}.
     */
    public int[] tokensForRank(final int rank) {
        final int ranks = topology.ranks();
        if (rank < 0 || rank >= ranks) {
            throw new InvalidInputException("rank=" + rank + " is outside [0, " + ranks + ") for topology " + topology);
        }
        final int[] out = new int[numTokensPerRank.getInt(rank)];
        int n = 0;
        for (int t = 0, tokens = numTokens(); t < tokens; t++) {
            if (isTokenInRank.getBool((long) t * ranks + rank)) {
                out[n++] = t;
            }
        }
        return out;
    }

    /**
     * @param rank a global rank in {@code [0, R)}.
     * @return a new array of {@code E_loc} counts: {@code numTokensPerExpert} of rank {@code rank}'s local experts
     *     {@code rank·E_loc … (rank+1)·E_loc − 1}, i.e. what this sender contributes to that rank's per-expert list.
     * @throws InvalidInputException when {@code rank} is outside {@code [0, R)}.
     */
    public int[] numTokensPerLocalExpert(final int rank) {
        final int ranks = topology.ranks();
        if (rank < 0 || rank >= ranks) {
            throw new InvalidInputException("rank=" + rank + " is outside [0, " + ranks + ") for topology " + topology);
        }
        final int local = expertsPerRank();
        final int[] out = new int[local];
        for (int i = 0; i < local; i++) {
            out[i] = numTokensPerExpert.getInt((long) rank * local + i);
        }
        return out;
    }

    /**
     * @param tensor an INT32 tensor of any shape.
     * @return its elements in flat order (a convenience for tests and logs).
     */
    public static int[] toIntArray(final HostTensor tensor) {
        if (tensor.dtype() != DType.INT32) {
            throw new InvalidInputException("expected an INT32 tensor, got " + tensor);
        }
        final int[] out = new int[Math.toIntExact(tensor.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = tensor.getInt(i);
        }
        return out;
    }

    private static void checkExperts(final int numExperts, final Topology topology) {
        final int ranks = topology.ranks();
        if (numExperts < 1 || numExperts % ranks != 0) {
            throw new InvalidInputException("numExperts=" + numExperts + " must be a positive multiple of the rank "
                + "count " + ranks + " (topology " + topology + "); use e.g. " + ranks * Math.max(1, numExperts / ranks)
                + " experts");
        }
    }

    private static void checkTensor(final String name, final HostTensor tensor, final DType dtype, final int length) {
        Objects.requireNonNull(tensor, name);
        if (tensor.dtype() != dtype || tensor.rank() != 1 || tensor.dim(0) != length) {
            throw new InvalidInputException(name + " must be " + dtype + " [" + length + "], got " + tensor);
        }
    }

    private static HostTensor intTensor(final int[] values) {
        final HostTensor out = HostTensor.zeros(DType.INT32, values.length);
        for (int i = 0; i < values.length; i++) {
            out.setInt(i, values[i]);
        }
        return out;
    }

    /**
     * Compares content: topology, expert count and every byte of the four tensors.
     *
     * @param other another object.
     * @return true when {@code other} is a layout with equal content.
     */
    @Override
    public boolean equals(final Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof DispatchLayout)) {
            return false;
        }
        final DispatchLayout that = (DispatchLayout) other;
        return topology.equals(that.topology) && numExperts == that.numExperts
            && numTokensPerRank.contentEquals(that.numTokensPerRank)
            && numTokensPerNode.contentEquals(that.numTokensPerNode)
            && numTokensPerExpert.contentEquals(that.numTokensPerExpert)
            && isTokenInRank.contentEquals(that.isTokenInRank);
    }

    /**
     * @return a hash of topology, expert count and token count, consistent with {@link #equals}.
     */
    @Override
    public int hashCode() {
        return Objects.hash(topology, numExperts, numTokens());
    }

    /**
     * @return a short description (shape only, not the counts).
     */
    @Override
    public String toString() {
        return "DispatchLayout[topology=" + topology + ", numExperts=" + numExperts + ", tokens=" + numTokens() + "]";
    }
}
