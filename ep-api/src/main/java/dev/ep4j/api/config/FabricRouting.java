package dev.ep4j.api.config;

/**
 * How the inter-node fabric spreads traffic over its uplinks (simulator.md §5.4).
 *
 * <p>Immutable and thread-safe.
 */
public enum FabricRouting {
    /** Adaptive routing: traffic is sprayed over all uplinks (a fluid share of every path). */
    ADAPTIVE("adaptive"),
    /** Static ECMP: each queue pair hashes to one path, so flows may collide. */
    STATIC_ECMP("static-ecmp");

    private final String jsonName;

    FabricRouting(final String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * @return the value written in config files, e.g. {@code "static-ecmp"}.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
