package dev.ep4j.sim.cli;

import dev.ep4j.sim.timing.ScenarioSimulator;
import dev.ep4j.sim.timing.TimingModel;
import dev.ep4j.sim.timing.TimingModels;
import picocli.CommandLine.Option;

/**
 * Options shared by the timing commands: which model predicts and how many threads run cases. Not thread-safe
 * (picocli fills it once).
 */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "NAME", description = "Timing model: analytical or des (default: des when"
        + " available, else analytical; the choice is printed).")
    String model;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors).")
    Integer threads;

    /**
     * @return the chosen model.
     */
    TimingModel timingModel() {
        return TimingModels.byName(model);
    }

    /**
     * @return one line saying which model runs and why.
     */
    String describe() {
        final String name = timingModel().name();
        if (model != null && !model.isBlank()) {
            return "model: " + name + " (--model)";
        }
        return "model: " + name + (TimingModels.DES.equals(name) ? " (default: the discrete-event model is"
            + " available)" : " (default: no discrete-event model is registered in this build)");
    }

    /**
     * @return a simulator with the chosen model and thread count.
     */
    ScenarioSimulator simulator() {
        final int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        return new ScenarioSimulator(timingModel(), n);
    }
}
