package dev.ep4j.sim.net;

/**
 * How concurrent flows share resources (simulator.md §5.2).
 *
 * <p>Thread safety: immutable.
 */
public enum SharingPolicy {
    /**
     * Max-min fairness by progressive filling (the default): work-conserving; a flow limited elsewhere leaves its
     * unused share to the others. Starting or ending a flow recomputes its whole connected component, which under
     * all-to-all traffic is every concurrent flow.
     */
    MAX_MIN,
    /**
     * Each flow gets {@code min over its path of floor(capacity / active flows)}: cheap, since starting or ending a
     * flow only recomputes the flows that share a resource with it. Equal to {@link #MAX_MIN} when every flow on a
     * resource is bound by the same resource (symmetric all-to-all), up to the integer floors (max-min hands the
     * leftover bytes/s of a floor division to the flows frozen last, equal share does not); otherwise a flow's rate
     * is never above its max-min rate for the same set of active flows, because a flow limited elsewhere does not
     * hand its unused share to the others. Not work-conserving; meant for large sweeps.
     */
    EQUAL_SHARE
}
