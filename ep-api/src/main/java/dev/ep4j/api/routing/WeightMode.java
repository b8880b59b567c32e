package dev.ep4j.api.routing;

/**
 * How {@code topk_weights} (FLOAT32 {@code [T, K]}) are generated alongside the indices. The random modes draw from
 * the weight stream of (seed, rank), row-major, one normal deviate per entry, whatever the indices are.
 *
 * <p>Immutable and thread-safe.
 */
public enum WeightMode {
    /** No weights are generated. */
    NONE,
    /** Every weight equals the spec's {@code weightValue}. */
    CONSTANT,
    /** Every weight equals the rank, as DeepEP's intranode test ({@code ones × rank}). */
    RANK,
    /** {@code |N(0,1)|}, as DeepEP's low-latency test. */
    ABS_NORMAL,
    /** {@code N(0,1)}, as the random-weight case of DeepEP's intranode test. */
    NORMAL
}
