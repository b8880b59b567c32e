package dev.ep4j.api.routing;

import dev.ep4j.api.error.ConfigException;
import java.util.Objects;

/**
 * Names a routing generator and its parameters, so that a scenario or benchmark can say which routing it runs. The
 * spec is the same on every rank; {@link Routing#generate} turns it into one rank's routing. Generation runs in three
 * steps: indices by {@link #kind()}, then {@link #maskedEntries()} random entries set to −1, then weights by
 * {@link #weights()}.
 *
 * <p>Parameters a kind does not use must keep their neutral value (0, or {@code null} for the path), so that a
 * misplaced key in a scenario file fails loudly instead of being ignored. Start from a factory
 * ({@link #uniform}, {@link #groupLimited}, {@link #zipf}, {@link #trace}) and refine with the {@code with…} methods.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind          the generator.
 * @param seed          scenario seed; every random stream derives from it and the rank (any value).
 * @param sorted        column order of the generated indices: {@code true} = descending score (DeepEP low-latency
 *                      test, {@code torch.topk(sorted=True)}), {@code false} = ascending expert id (ep4j's fixed
 *                      stand-in for DeepEP's unsorted {@code torch.topk}, whose order is unspecified). Ignored
 *                      by {@link RoutingKind#TRACE}, which keeps the recorded order.
 * @param zipfExponent  Zipf exponent {@code s >= 0} ({@link RoutingKind#ZIPF} only; 0 = uniform popularity).
 * @param numTopkGroups nodes each token may use ({@link RoutingKind#GROUP_LIMITED} only): 1 to the node count, or 0
 *                      for DeepEP's default {@code min(nodes, 4)}.
 * @param maskedEntries number of distinct random (token, k) entries set to −1 after generation (DeepEP's low-latency
 *                      test masks 10), at least 0.
 * @param weights       how weights are generated; {@link WeightMode#NONE} for none.
 * @param weightValue   the constant of {@link WeightMode#CONSTANT}; must be 0 for the other modes. Finite.
 * @param tracePath     trace file ({@link RoutingKind#TRACE} only, required there; {@code null} otherwise).
 */
public record RoutingSpec(
        RoutingKind kind,
        long seed,
        boolean sorted,
        double zipfExponent,
        int numTopkGroups,
        int maskedEntries,
        WeightMode weights,
        double weightValue,
        String tracePath) {

    /**
     * Validates the parameters.
     *
     * @param kind          see the record component {@code kind}.
     * @param seed          see the record component {@code seed}.
     * @param sorted        see the record component {@code sorted}.
     * @param zipfExponent  see the record component {@code zipfExponent}.
     * @param numTopkGroups see the record component {@code numTopkGroups}.
     * @param maskedEntries see the record component {@code maskedEntries}.
     * @param weights       see the record component {@code weights}.
     * @param weightValue   see the record component {@code weightValue}.
     * @param tracePath     see the record component {@code tracePath}.
     * @throws ConfigException naming the field, its value and the allowed range when a parameter is invalid or set
     *                         for a kind that does not use it.
     */
    public RoutingSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(weights, "weights");
        if (!(zipfExponent >= 0) || Double.isInfinite(zipfExponent)) {
            throw new ConfigException("routing.zipfExponent=" + zipfExponent + " must be finite and >= 0");
        }
        if (kind != RoutingKind.ZIPF && zipfExponent != 0) {
            throw new ConfigException("routing.zipfExponent=" + zipfExponent + " is only used by kind ZIPF, not "
                + kind + "; remove it or set kind ZIPF");
        }
        if (numTopkGroups < 0) {
            throw new ConfigException("routing.numTopkGroups=" + numTopkGroups
                + " must be >= 1, or 0 for the default min(nodes, 4)");
        }
        if (kind != RoutingKind.GROUP_LIMITED && numTopkGroups != 0) {
            throw new ConfigException("routing.numTopkGroups=" + numTopkGroups + " is only used by kind "
                + "GROUP_LIMITED, not " + kind + "; remove it or set kind GROUP_LIMITED");
        }
        if (maskedEntries < 0) {
            throw new ConfigException("routing.maskedEntries=" + maskedEntries + " must be >= 0");
        }
        if (!Double.isFinite(weightValue)) {
            throw new ConfigException("routing.weightValue=" + weightValue + " must be finite");
        }
        if (weights != WeightMode.CONSTANT && weightValue != 0) {
            throw new ConfigException("routing.weightValue=" + weightValue + " is only used by weights CONSTANT, not "
                + weights + "; remove it or set weights CONSTANT");
        }
        if (kind == RoutingKind.TRACE && (tracePath == null || tracePath.isBlank())) {
            throw new ConfigException("routing.tracePath is required for kind TRACE; give the .npy file of top-k ids");
        }
        if (kind != RoutingKind.TRACE && tracePath != null) {
            throw new ConfigException("routing.tracePath=" + tracePath + " is only used by kind TRACE, not " + kind
                + "; remove it or set kind TRACE");
        }
    }

    /**
     * @param seed scenario seed.
     * @return a {@link RoutingKind#UNIFORM} spec: unsorted (ascending expert ids), no masking, no weights.
     */
    public static RoutingSpec uniform(final long seed) {
        return new RoutingSpec(RoutingKind.UNIFORM, seed, false, 0, 0, 0, WeightMode.NONE, 0, null);
    }

    /**
     * @param seed          scenario seed.
     * @param numTopkGroups nodes per token, 1 to the node count, or 0 for {@code min(nodes, 4)}.
     * @return a {@link RoutingKind#GROUP_LIMITED} spec: unsorted, no masking, no weights.
     */
    public static RoutingSpec groupLimited(final long seed, final int numTopkGroups) {
        return new RoutingSpec(RoutingKind.GROUP_LIMITED, seed, false, 0, numTopkGroups, 0, WeightMode.NONE, 0, null);
    }

    /**
     * @param seed     scenario seed.
     * @param exponent Zipf exponent {@code s >= 0}.
     * @return a {@link RoutingKind#ZIPF} spec: unsorted, no masking, no weights.
     */
    public static RoutingSpec zipf(final long seed, final double exponent) {
        return new RoutingSpec(RoutingKind.ZIPF, seed, false, exponent, 0, 0, WeightMode.NONE, 0, null);
    }

    /**
     * @param tracePath the {@code .npy} trace file.
     * @return a {@link RoutingKind#TRACE} spec with seed 0 (used only by masking and random weights), no masking,
     *     no weights.
     */
    public static RoutingSpec trace(final String tracePath) {
        return new RoutingSpec(RoutingKind.TRACE, 0, false, 0, 0, 0, WeightMode.NONE, 0, tracePath);
    }

    /**
     * @param newSeed the seed.
     * @return a copy with that seed.
     */
    public RoutingSpec withSeed(final long newSeed) {
        return new RoutingSpec(kind, newSeed, sorted, zipfExponent, numTopkGroups, maskedEntries, weights,
            weightValue, tracePath);
    }

    /**
     * @param newSorted true for descending-score column order, false for ascending expert ids.
     * @return a copy with that column order.
     */
    public RoutingSpec withSorted(final boolean newSorted) {
        return new RoutingSpec(kind, seed, newSorted, zipfExponent, numTopkGroups, maskedEntries, weights,
            weightValue, tracePath);
    }

    /**
     * @param count number of distinct entries to set to −1, at least 0.
     * @return a copy with that masking.
     */
    public RoutingSpec withMaskedEntries(final int count) {
        return new RoutingSpec(kind, seed, sorted, zipfExponent, numTopkGroups, count, weights, weightValue,
            tracePath);
    }

    /**
     * @param mode  the weight mode.
     * @param value the constant for {@link WeightMode#CONSTANT}; 0 for the other modes.
     * @return a copy with that weight generation.
     */
    public RoutingSpec withWeights(final WeightMode mode, final double value) {
        return new RoutingSpec(kind, seed, sorted, zipfExponent, numTopkGroups, maskedEntries, mode, value,
            tracePath);
    }
}
