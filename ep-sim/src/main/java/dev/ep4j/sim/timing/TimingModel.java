package dev.ep4j.sim.timing;

/**
 * Predicts one kernel's timing. Implementations: the analytical bottleneck tier (fast, a lower bound) and the
 * chunk-level discrete-event model (the DES never beats the analytical bandwidth bound). Deterministic: same case,
 * same result. Implementations are stateless or per-call; thread-safe for parallel sweeps.
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
}
