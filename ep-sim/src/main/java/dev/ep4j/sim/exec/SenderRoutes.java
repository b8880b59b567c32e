package dev.ep4j.sim.exec;

import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;

/**
 * Where each token of one sending rank goes, channel by channel — everything the normal kernels' sender side
 * computes from {@code is_token_in_rank} (docs/semantics.md "Channels" and "Normal dispatch"):
 * per (destination rank, channel) counts and inclusive prefixes, each token's position in its channel's stream to
 * every rank and every node.
 *
 * <p>Immutable after construction; safe to read from every rank's thread.
 */
public final class SenderRoutes {
    private final int tokens;
    private final int ranks;
    private final int nodes;
    private final int channels;
    private final boolean[] in;
    /** [d * C + c]: inclusive prefix over channels of tokens going to rank d. */
    private final int[] rankChannelPrefix;
    /** [j * C + c]: inclusive prefix over channels of tokens going to node j. */
    private final int[] nodeChannelPrefix;
    /** [t * R + d]: position of t in its channel's stream to rank d, or -1. */
    private final int[] rankPos;
    /** [t * N + j]: position of t in its channel's stream to node j, or -1. */
    private final int[] nodePos;
    /** [d]: tokens going to rank d. */
    private final int[] perRank;

    /**
     * @param isTokenInRank BOOL [T, R] of the sender.
     * @param topology      the group.
     * @param channels      C = numSms / 2.
     */
    public SenderRoutes(final HostTensor isTokenInRank, final Topology topology, final int channels) {
        this.tokens = (int) isTokenInRank.dim(0);
        this.ranks = topology.ranks();
        this.nodes = topology.nodes();
        this.channels = channels;
        final int g = topology.gpusPerNode();
        this.in = new boolean[tokens * ranks];
        for (int i = 0; i < in.length; i++) {
            in[i] = isTokenInRank.getBool(i);
        }
        rankChannelPrefix = new int[ranks * channels];
        nodeChannelPrefix = new int[nodes * channels];
        rankPos = new int[tokens * ranks];
        nodePos = new int[tokens * nodes];
        perRank = new int[ranks];
        final int[] rankRun = new int[ranks];
        final int[] nodeRun = new int[nodes];
        final boolean[] toNode = new boolean[nodes];
        for (int c = 0; c < channels; c++) {
            java.util.Arrays.fill(rankRun, 0);
            java.util.Arrays.fill(nodeRun, 0);
            for (int t = start(c); t < end(c); t++) {
                java.util.Arrays.fill(toNode, false);
                for (int d = 0; d < ranks; d++) {
                    if (in[t * ranks + d]) {
                        rankPos[t * ranks + d] = rankRun[d]++;
                        toNode[d / g] = true;
                    } else {
                        rankPos[t * ranks + d] = -1;
                    }
                }
                for (int j = 0; j < nodes; j++) {
                    nodePos[t * nodes + j] = toNode[j] ? nodeRun[j]++ : -1;
                }
            }
            for (int d = 0; d < ranks; d++) {
                rankChannelPrefix[d * channels + c] = (c == 0 ? 0 : rankChannelPrefix[d * channels + c - 1])
                    + rankRun[d];
                perRank[d] += rankRun[d];
            }
            for (int j = 0; j < nodes; j++) {
                nodeChannelPrefix[j * channels + c] = (c == 0 ? 0 : nodeChannelPrefix[j * channels + c - 1])
                    + nodeRun[j];
            }
        }
    }

    /**
     * @param c channel.
     * @return first token of channel c: min(ceil(T/C)·c, T).
     */
    public int start(final int c) {
        final int q = (tokens + channels - 1) / channels;
        return Math.min(q * c, tokens);
    }

    /**
     * @param c channel.
     * @return one past the last token of channel c.
     */
    public int end(final int c) {
        final int q = (tokens + channels - 1) / channels;
        return Math.min(start(c) + q, tokens);
    }

    /**
     * @param t token.
     * @return the channel owning token t.
     */
    public int channelOf(final int t) {
        final int q = (tokens + channels - 1) / channels;
        return t / q;
    }

    /**
     * @return T.
     */
    public int tokens() {
        return tokens;
    }

    /**
     * @return C.
     */
    public int channels() {
        return channels;
    }

    /**
     * @param t token.
     * @param d rank.
     * @return whether t goes to d.
     */
    public boolean goesTo(final int t, final int d) {
        return in[t * ranks + d];
    }

    /**
     * @param d rank.
     * @return tokens going to d.
     */
    public int countTo(final int d) {
        return perRank[d];
    }

    /**
     * @param d rank.
     * @param c channel.
     * @return inclusive prefix over channels 0..c of tokens going to d.
     */
    public int rankPrefix(final int d, final int c) {
        return c < 0 ? 0 : rankChannelPrefix[d * channels + c];
    }

    /**
     * @param j node.
     * @param c channel.
     * @return inclusive prefix over channels 0..c of tokens going to node j.
     */
    public int nodePrefix(final int j, final int c) {
        return c < 0 ? 0 : nodeChannelPrefix[j * channels + c];
    }

    /**
     * @param t token.
     * @param d rank.
     * @return t's position in its channel's stream to d, or -1.
     */
    public int rankPos(final int t, final int d) {
        return rankPos[t * ranks + d];
    }

    /**
     * @param t token.
     * @param j node.
     * @return t's position in its channel's stream to node j, or -1.
     */
    public int nodePos(final int t, final int j) {
        return nodePos[t * nodes + j];
    }
}
