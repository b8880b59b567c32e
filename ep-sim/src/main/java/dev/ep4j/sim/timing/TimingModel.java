package dev.ep4j.sim.timing;

/**
 * Predicts one kernel's timing. Implementations: the analytical bottleneck tier (fast, a lower bound) and the
 * chunk-level discrete-event model (the DES never beats the analytical bandwidth bound). Deterministic: same case,
 * same result. Implementations are stateless or per-call; thread-safe for parallel sweeps.
 *
 * <p>Registration: {@link AnalyticalModel} is built in; any other model is found through
 * {@link java.util.ServiceLoader} (a public no-argument constructor and a line with its class name in
 * {@code META-INF/services/dev.ep4j.sim.timing.TimingModel}); {@link TimingModels} picks by {@link #name()}, and the
 * CLI's default is {@code "des"} when such a model is registered.
 */
public interface TimingModel {
    /**
     * @return "analytical" or "des".
     */
    String name();

    /**
     * @param c the kernel to predict.
     * @return its predicted timing.
     * @throws dev.ep4j.api.error.SimulationException when the configuration cannot make progress (a deadlock),
     *     naming the ring that blocked.
     */
    TimingResult predict(TimingCase c);

    /**
     * Predicts one kernel and reports its timeline to {@code trace}. The default ignores the sink; models that can
     * trace override it (and keep {@link #predict(TimingCase)} equal to calling this with {@link TraceSink#NONE}).
     *
     * @param c     the kernel to predict.
     * @param trace where the simulated timeline goes; {@link TraceSink#NONE} for none.
     * @return its predicted timing, the same as {@link #predict(TimingCase)}.
     * @throws UnsupportedOperationException when the model does not cover this kind of kernel yet; the runner then
     *     falls back to the analytical model for that case and says so in the result's {@code model}.
     */
    default TimingResult predict(final TimingCase c, final TraceSink trace) {
        return predict(c);
    }
}
