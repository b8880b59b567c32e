package dev.ep4j.api.kernel;

import dev.ep4j.api.error.ConfigException;
import java.util.Arrays;

/**
 * DeepEP's default dispatch and combine configs per rank count (semantics.md §2.2; tuned on DeepSeek's clusters).
 * Rank counts outside the table have no default: pass an explicit {@link KernelConfig} (the planner recommends one).
 *
 * <p>Stateless and thread-safe.
 */
public final class DefaultConfigs {
    /** Rank counts that have a default, ascending. */
    private static final int[] RANKS = {2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 144, 160};
    /** Per row: dispatch (nvl chunk, nvl recv, rdma chunk, rdma recv), combine (same four). */
    private static final int[][] TABLE = {
        {24, 256, 6, 128, 10, 256, 6, 128},
        {6, 256, 6, 128, 9, 256, 6, 128},
        {6, 256, 6, 128, 4, 256, 6, 128},
        {36, 288, 20, 128, 4, 288, 12, 128},
        {32, 288, 8, 128, 1, 288, 8, 128},
        {32, 288, 8, 128, 1, 288, 8, 128},
        {32, 288, 8, 128, 1, 288, 8, 128},
        {32, 288, 8, 128, 1, 288, 8, 128},
        {20, 480, 12, 128, 1, 480, 8, 128},
        {20, 560, 12, 128, 1, 560, 8, 128},
        {32, 720, 12, 128, 2, 720, 8, 128},
        {28, 720, 12, 128, 2, 720, 8, 128},
    };

    private DefaultConfigs() {
    }

    /**
     * @param ranks  EP group size.
     * @param numSms SMs for the normal kernels (DeepEP's default is {@value KernelConfig#DEFAULT_NUM_SMS}).
     * @return DeepEP's default dispatch config for {@code ranks}.
     * @throws ConfigException when {@code ranks} has no default.
     */
    public static KernelConfig dispatch(final int ranks, final int numSms) {
        final int[] row = TABLE[row(ranks)];
        return new KernelConfig(numSms, row[0], row[1], row[2], row[3]);
    }

    /**
     * @param ranks  EP group size.
     * @param numSms SMs for the normal kernels.
     * @return DeepEP's default combine config for {@code ranks}.
     * @throws ConfigException when {@code ranks} has no default.
     */
    public static KernelConfig combine(final int ranks, final int numSms) {
        final int[] row = TABLE[row(ranks)];
        return new KernelConfig(numSms, row[4], row[5], row[6], row[7]);
    }

    /**
     * ep4j's default for any topology, extending DeepEP's table (which assumes 8 GPUs per node): a single node uses
     * the row of the smallest tabulated rank count &gt;= its GPUs (the 8-rank row beyond 8 GPUs); a multi-node group
     * uses the row of {@code nodes x 8} ranks, or of the smallest tabulated internode count above it, or the last row.
     * The ring sizes do not change results, only speed. For a multi-node combine the NVL ring is then adjusted to
     * a multiple of the node count (and grown where needed) so that the internode combine rules hold for any node
     * count.
     *
     * @param topology the group.
     * @param numSms   SMs for the normal kernels.
     * @param combine  true for the combine table, false for dispatch.
     * @return the config.
     */
    public static KernelConfig forTopology(final dev.ep4j.api.topology.Topology topology, final int numSms,
        final boolean combine) {
        final boolean inter = topology.isInternode();
        final int key = inter ? 8 * topology.nodes() : topology.gpusPerNode();
        int ranks = inter ? RANKS[RANKS.length - 1] : 8;
        for (final int r : RANKS) {
            if (r >= key && inter == (r > 8)) {
                ranks = r;
                break;
            }
        }
        if (!combine) {
            return dispatch(ranks, numSms);
        }
        final KernelConfig c = combine(ranks, numSms);
        if (!inter) {
            return c;
        }
        // Fit the internode combine rules for this node count: the NVL ring splits into one sub-ring per node.
        final int nodes = topology.nodes();
        final int w = Math.max(24 / nodes, 1);
        final int rdmaChunk = Math.max(c.rdmaChunkTokens(), w);
        final int sub = Math.max(c.nvlRecvTokens() / nodes,
            Math.max(Math.max(rdmaChunk, c.nvlChunkTokens()) + 1, c.nvlChunkTokens() + w));
        return new KernelConfig(numSms, c.nvlChunkTokens(), sub * nodes, rdmaChunk,
            Math.max(c.rdmaRecvTokens(), 2 * rdmaChunk));
    }

    /**
     * @param ranks EP group size.
     * @return true when the table has a row for {@code ranks}.
     */
    public static boolean has(final int ranks) {
        return Arrays.binarySearch(RANKS, ranks) >= 0;
    }

    /**
     * @return the rank counts with a default, ascending.
     */
    public static int[] supportedRanks() {
        return RANKS.clone();
    }

    private static int row(final int ranks) {
        final int i = Arrays.binarySearch(RANKS, ranks);
        if (i < 0) {
            throw new ConfigException("no default config for ranks=" + ranks + "; DeepEP's table covers "
                + Arrays.toString(RANKS) + "; pass an explicit KernelConfig (ep4j plan recommends one)");
        }
        return i;
    }
}
