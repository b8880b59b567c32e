package dev.ep4j.api.config;

/**
 * How a scenario generates each token's top-k experts.
 *
 * <p>Immutable and thread-safe.
 */
public enum RoutingType {
    /** Top-k distinct experts chosen uniformly at random. */
    UNIFORM("uniform"),
    /** Group-limited gating: top {@code numTopkGroups} nodes first, then top-k experts inside them (DeepEP's test). */
    GROUP_LIMITED("group-limited"),
    /** Skewed expert popularity following a Zipf law with {@code zipfExponent}. */
    ZIPF("zipf"),
    /** Replay of a recorded routing trace from {@code tracePath}. */
    TRACE("trace");

    private final String jsonName;

    RoutingType(final String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * @return the value written in config files, e.g. {@code "group-limited"}.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
