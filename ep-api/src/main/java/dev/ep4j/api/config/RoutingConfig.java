package dev.ep4j.api.config;

/**
 * The routing generator of a scenario, nested as {@code "routing"} in a {@link ScenarioConfig}. Parameters that do
 * not belong to the chosen type must be {@code null}, so a file never carries a value that is silently ignored.
 *
 * <p>The canonical constructor validates the parameters against the type and throws
 * {@link dev.ep4j.api.error.ConfigException} naming the field, the value and what is allowed.
 *
 * <p>Immutable and thread-safe.
 *
 * @param type         the generator.
 * @param zipfExponent the Zipf exponent {@code s} (expert of popularity rank {@code r} has weight
 *                     {@code 1 / r^s}), in {@code (0, 10]}, when {@code type} is {@code zipf}; otherwise null.
 * @param tracePath    path of the recorded trace, relative to the scenario file's directory, when {@code type} is
 *                     {@code trace}; otherwise null.
 */
public record RoutingConfig(RoutingType type, @NullAllowed Double zipfExponent, @NullAllowed String tracePath) {
    private static final String TYPE = "RoutingConfig";

    /**
     * Validates the parameters against the type.
     *
     * @param type the generator.
     * @param zipfExponent the Zipf exponent {@code s} (expert of popularity rank {@code r} has weight {@code 1 /
     *     r^s}), in {@code (0, 10]}, when {@code type} is {@code zipf}; otherwise null.
     * @param tracePath path of the recorded trace, relative to the scenario file's directory, when {@code type} is
     *     {@code trace}; otherwise null.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and what is allowed.
     */
    public RoutingConfig {
        Check.notNull(TYPE, "type", type);
        if (type == RoutingType.ZIPF) {
            Check.notNull(TYPE, "zipfExponent", zipfExponent);
            Check.positive(TYPE, "zipfExponent", zipfExponent, 10, "");
        } else if (zipfExponent != null) {
            throw Check.fail(TYPE, "zipfExponent", "zipfExponent=" + zipfExponent + " is only used with type=zipf;"
                + " write null for type=" + type);
        }
        if (type == RoutingType.TRACE) {
            Check.text(TYPE, "tracePath", tracePath);
        } else if (tracePath != null) {
            throw Check.fail(TYPE, "tracePath", "tracePath=\"" + tracePath + "\" is only used with type=trace;"
                + " write null for type=" + type);
        }
    }
}
