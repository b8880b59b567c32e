package dev.ep4j.sim.timing;

/**
 * A predicted case: what was asked, the model's prediction, the analytical bandwidth bound next to it (for every
 * model, so that a DES result can be checked against it) and the recorded timeline when tracing was asked for.
 * Immutable apart from the trace recorder (filled before the result is built); thread-safe for reading.
 *
 * @param spec   the case.
 * @param result the prediction; {@code result.model()} names the model that made it.
 * @param bound  the analytical bandwidth bound (its {@code loads} list is dropped to save memory).
 * @param trace  the recorded timeline, or null when not traced.
 * @param note   empty, or why the result is special (e.g. the fallback to the analytical model, or a model that
 *               beat the bound).
 */
public record CaseResult(CaseSpec spec, TimingResult result, AnalyticalBound bound, TraceRecorder trace,
    String note) {
}
