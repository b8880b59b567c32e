package dev.ep4j.sim.timing;

import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.List;

/**
 * The routing of one low-latency call reduced for the timing models: valid (token, expert) selections per
 * (source rank, destination rank). Each selection is one message (dispatch) and one returned row (combine).
 * Immutable; thread-safe.
 */
public final class LowLatencyTraffic {
    private final Topology topology;
    private final int experts;
    private final int[] tokensPerRank;
    /** [src * R + dst]. */
    private final int[] selections;

    private LowLatencyTraffic(final Topology topology, final int experts, final int[] tokensPerRank,
        final int[] selections) {
        this.topology = topology;
        this.experts = experts;
        this.tokensPerRank = tokensPerRank;
        this.selections = selections;
    }

    /**
     * @param topology the group.
     * @param experts  E.
     * @param topkIdx  every rank's top-k [T_r, K] (-1 ignored), by rank.
     * @return the traffic.
     */
    public static LowLatencyTraffic of(final Topology topology, final int experts, final List<HostTensor> topkIdx) {
        final int r = topology.ranks();
        final int local = experts / r;
        final int[] perRank = new int[r];
        final int[] sel = new int[r * r];
        for (int s = 0; s < r; s++) {
            final HostTensor idx = topkIdx.get(s);
            perRank[s] = (int) idx.dim(0);
            for (long i = 0; i < idx.numel(); i++) {
                final long e = idx.getIntegral(i);
                if (e >= 0 && e < experts) {
                    sel[s * r + (int) (e / local)]++;
                }
            }
        }
        return new LowLatencyTraffic(topology, experts, perRank, sel);
    }

    /**
     * @return the group.
     */
    public Topology topology() {
        return topology;
    }

    /**
     * @return total experts E (the low-latency grid and per-expert counters follow from it).
     */
    public int experts() {
        return experts;
    }

    /**
     * @param src a rank.
     * @return its tokens.
     */
    public int tokens(final int src) {
        return tokensPerRank[src];
    }

    /**
     * @param src source rank.
     * @param dst destination rank.
     * @return valid selections from src of experts on dst.
     */
    public int selections(final int src, final int dst) {
        return selections[src * topology.ranks() + dst];
    }
}
