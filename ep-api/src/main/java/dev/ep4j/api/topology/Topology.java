package dev.ep4j.api.topology;

import dev.ep4j.api.error.ConfigException;

/**
 * The shape of an expert-parallel group: {@code nodes} NVLink domains of {@code gpusPerNode} GPUs each. Rank
 * {@code r} lives on node {@code r / gpusPerNode} at local index {@code r % gpusPerNode}, the same numbering as
 * DeepEP's {@code rank = rdmaRank * 8 + nvlRank}, with the NVLink domain size a parameter instead of 8.
 *
 * <p>Immutable and thread-safe.
 *
 * @param nodes       number of nodes (NVLink domains), at least 1.
 * @param gpusPerNode GPUs per node (the NVLink domain size), at least 1; any value, not only 8.
 */
public record Topology(int nodes, int gpusPerNode) {

    /** Largest rank count ep4j accepts; large enough for every cluster ep4j can model, small enough for int math. */
    public static final int MAX_RANKS = 1 << 16;

    /**
     * Validates the shape.
     *
     * @throws ConfigException when a count is below 1 or the rank count exceeds {@link #MAX_RANKS}.
     */
    public Topology {
        if (nodes < 1) {
            throw new ConfigException("topology nodes=" + nodes + " must be >= 1");
        }
        if (gpusPerNode < 1) {
            throw new ConfigException("topology gpusPerNode=" + gpusPerNode + " must be >= 1");
        }
        if ((long) nodes * gpusPerNode > MAX_RANKS) {
            throw new ConfigException("topology nodes=" + nodes + " x gpusPerNode=" + gpusPerNode + " = "
                + (long) nodes * gpusPerNode + " ranks exceeds the limit " + MAX_RANKS);
        }
    }

    /**
     * One node of {@code gpus} GPUs.
     *
     * @param gpus GPUs in the node.
     * @return the single-node topology.
     */
    public static Topology singleNode(final int gpus) {
        return new Topology(1, gpus);
    }

    /**
     * @return total ranks, {@code nodes * gpusPerNode}.
     */
    public int ranks() {
        return nodes * gpusPerNode;
    }

    /**
     * @return true when more than one node takes part, so the internode (RDMA) kernels apply.
     */
    public boolean isInternode() {
        return nodes > 1;
    }

    /**
     * @param rank a global rank.
     * @return the node (RDMA rank) holding it.
     */
    public int nodeOf(final int rank) {
        checkRank(rank);
        return rank / gpusPerNode;
    }

    /**
     * @param rank a global rank.
     * @return its index inside its node (NVL rank).
     */
    public int localOf(final int rank) {
        checkRank(rank);
        return rank % gpusPerNode;
    }

    /**
     * @param node  node index.
     * @param local GPU index inside the node.
     * @return the global rank.
     */
    public int rankOf(final int node, final int local) {
        if (node < 0 || node >= nodes) {
            throw new IllegalArgumentException("node=" + node + " outside [0, " + nodes + ")");
        }
        if (local < 0 || local >= gpusPerNode) {
            throw new IllegalArgumentException("local=" + local + " outside [0, " + gpusPerNode + ")");
        }
        return node * gpusPerNode + local;
    }

    /**
     * @param a a rank.
     * @param b another rank.
     * @return true when both sit in the same NVLink domain.
     */
    public boolean sameNode(final int a, final int b) {
        return nodeOf(a) == nodeOf(b);
    }

    private void checkRank(final int rank) {
        if (rank < 0 || rank >= ranks()) {
            throw new IllegalArgumentException("rank=" + rank + " outside [0, " + ranks() + ")");
        }
    }

    @Override
    public String toString() {
        return nodes + "x" + gpusPerNode;
    }
}
