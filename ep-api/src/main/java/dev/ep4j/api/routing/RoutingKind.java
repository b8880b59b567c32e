package dev.ep4j.api.routing;

/**
 * The routing generators a {@link RoutingSpec} can name. Every kind is deterministic given the spec's seed and the
 * rank (see {@link Routing}).
 *
 * <p>Immutable and thread-safe.
 */
public enum RoutingKind {
    /**
     * Top-k of i.i.d. scores per (token, expert), ranked as DeepEP's {@code |N(0,1)| + 1} would be (see
     * {@link Routing}).
     */
    UNIFORM,
    /**
     * Group-limited (node-limited) gating, as DeepEP's internode test: only the experts of the best
     * {@code numTopkGroups} nodes (by each node's maximum score) compete for the top k.
     */
    GROUP_LIMITED,
    /** K distinct experts per token, sampled without replacement with Zipf popularity {@code 1 / rank^s}. */
    ZIPF,
    /** Replay of a recorded routing trace file (see {@link RoutingTrace}). */
    TRACE
}
