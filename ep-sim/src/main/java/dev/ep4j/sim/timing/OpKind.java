package dev.ep4j.sim.timing;

/** The kernels the timing models predict. */
public enum OpKind {
    /** Normal-mode dispatch (intranode when one node, else internode). */
    DISPATCH,
    /** Normal-mode combine. */
    COMBINE,
    /** Low-latency dispatch. */
    LL_DISPATCH,
    /** Low-latency combine. */
    LL_COMBINE
}
