package dev.ep4j.sim.timing;

import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.List;

/**
 * The routing of one normal-mode dispatch reduced to what the timing models need: token counts per
 * (source rank, destination rank, channel) and per (source rank, destination node, channel), the latter
 * deduplicated per node as DeepEP's RDMA path is. Computed straight from every rank's top-k indices with the same
 * channel split as the functional executor (channel c of a sender with T tokens owns [min(ceil(T/C)·c, T), ...)),
 * without per-token storage, so EP 256+ fits in memory. Combine uses the same matrix in reverse.
 *
 * <p>Immutable after construction; thread-safe.
 */
public final class Traffic {
    private final Topology topology;
    private final int channels;
    private final int experts;
    private final int[] tokensPerRank;
    /** [(src * R + dst) * C + c]. */
    private final int[] rankTokens;
    /** [(src * N + node) * C + c]. */
    private final int[] nodeTokens;

    private Traffic(final Topology topology, final int channels, final int experts, final int[] tokensPerRank,
        final int[] rankTokens, final int[] nodeTokens) {
        this.topology = topology;
        this.channels = channels;
        this.experts = experts;
        this.tokensPerRank = tokensPerRank;
        this.rankTokens = rankTokens;
        this.nodeTokens = nodeTokens;
    }

    /**
     * @param topology the group.
     * @param channels C = numSms / 2.
     * @param experts  E (divisible by the rank count).
     * @param topkIdx  every rank's top-k indices [T_r, K] (INT64 or INT32; -1 ignored), by rank.
     * @return the traffic.
     */
    public static Traffic of(final Topology topology, final int channels, final int experts,
        final List<HostTensor> topkIdx) {
        final int r = topology.ranks();
        final int n = topology.nodes();
        final int g = topology.gpusPerNode();
        final int local = experts / r;
        final int[] perRank = new int[r];
        final int[] rank = new int[r * r * channels];
        final int[] node = new int[r * n * channels];
        final boolean[] toRank = new boolean[r];
        final boolean[] toNode = new boolean[n];
        for (int s = 0; s < r; s++) {
            final HostTensor idx = topkIdx.get(s);
            final int t = (int) idx.dim(0);
            final int k = (int) idx.dim(1);
            perRank[s] = t;
            final int q = Math.max(1, (t + channels - 1) / channels);
            for (int tok = 0; tok < t; tok++) {
                final int c = tok / q;
                java.util.Arrays.fill(toRank, false);
                java.util.Arrays.fill(toNode, false);
                for (int j = 0; j < k; j++) {
                    final long e = idx.getIntegral((long) tok * k + j);
                    if (e >= 0 && e < experts) {
                        final int d = (int) (e / local);
                        toRank[d] = true;
                        toNode[d / g] = true;
                    }
                }
                for (int d = 0; d < r; d++) {
                    if (toRank[d]) {
                        rank[(s * r + d) * channels + c]++;
                    }
                }
                for (int j = 0; j < n; j++) {
                    if (toNode[j]) {
                        node[(s * n + j) * channels + c]++;
                    }
                }
            }
        }
        return new Traffic(topology, channels, experts, perRank, rank, node);
    }

    /**
     * @return the group.
     */
    public Topology topology() {
        return topology;
    }

    /**
     * @return channels C.
     */
    public int channels() {
        return channels;
    }

    /**
     * @return total experts.
     */
    public int experts() {
        return experts;
    }

    /**
     * @param src a rank.
     * @return its tokens T.
     */
    public int tokens(final int src) {
        return tokensPerRank[src];
    }

    /**
     * @param src     source rank.
     * @param dst     destination rank.
     * @param channel channel.
     * @return tokens of that channel of src that go to dst.
     */
    public int tokens(final int src, final int dst, final int channel) {
        return rankTokens[(src * topology.ranks() + dst) * channels + channel];
    }

    /**
     * @param src     source rank.
     * @param node    destination node.
     * @param channel channel.
     * @return tokens of that channel of src with at least one destination in node (counted once per node).
     */
    public int nodeTokens(final int src, final int node, final int channel) {
        return nodeTokens[(src * topology.nodes() + node) * channels + channel];
    }

    /**
     * @param src source rank.
     * @param dst destination rank.
     * @return tokens src sends to dst over all channels.
     */
    public long tokens(final int src, final int dst) {
        long sum = 0;
        for (int c = 0; c < channels; c++) {
            sum += tokens(src, dst, c);
        }
        return sum;
    }

    /**
     * @param src  source rank.
     * @param node destination node.
     * @return (token, node) pairs from src to node over all channels.
     */
    public long nodeTokens(final int src, final int node) {
        long sum = 0;
        for (int c = 0; c < channels; c++) {
            sum += nodeTokens(src, node, c);
        }
        return sum;
    }
}
