package dev.ep4j.sim.cli;

import dev.ep4j.api.config.Configs;
import dev.ep4j.sim.scenario.Scenarios;
import dev.ep4j.sim.stats.Charts;
import dev.ep4j.sim.stats.ChromeTrace;
import dev.ep4j.sim.stats.Reports;
import dev.ep4j.sim.timing.CaseResult;
import dev.ep4j.sim.timing.ScenarioSimulator;
import dev.ep4j.sim.timing.Study;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ep4j simulate}: the main job. Predicts dispatch and combine for every EP size of a scenario (or of the
 * built-in default, DeepSeek-V3 on H800 + CX7), prints the table (or, with {@code --json}, the results document) and
 * writes {@code results.json}, {@code results.csv}, {@code bandwidth.png}, {@code phases.png} and {@code trace.json}
 * to the output folder.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Predict dispatch/combine time, DeepEP-convention bandwidth and the bottleneck for every EP size of"
        + " a scenario; write results.json, results.csv, bandwidth.png, phases.png and trace.json.",
        "Without --scenario: DeepSeek-V3 on H800 + CX7, normal EP 8-64 (4096 tokens/rank, FP8 dispatch, BF16 combine,"
            + " 24 SMs) and low-latency EP 8-256 (128 tokens/rank)."})
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "FILE", description = "Scenario JSON file (default: the built-in"
        + " DeepSeek-V3 H800 study).")
    Path scenario;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "ep4j-out", description = "Folder for the report"
        + " files (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the results as one JSON object instead of the table.")
    boolean json;

    @Mixin
    ModelOptions models = new ModelOptions();

    @Override
    public Integer call() throws Exception {
        final Study study = scenario == null ? Study.deepSeekV3H800(Configs.defaultRoot())
            : Study.of(Scenarios.load(scenario));
        final ScenarioSimulator sim = models.simulator();
        final long start = System.nanoTime();
        final List<CaseResult> results = sim.run(study.cases(), true, ScenarioSimulator.Progress.NONE);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final List<Path> files = write(out, study.title(), sim.model().name(), results);
        if (json) {
            System.out.print(Reports.json(study.title(), sim.model().name(), results));
            return 0;
        }
        System.out.println("ep4j simulate: " + study.title());
        System.out.println(models.describe() + "; " + results.size() + " kernels in "
            + String.format(Locale.ROOT, "%.1f", seconds) + " s");
        System.out.println("time: main kernel of the slowest rank (DeepEP's kernel time); GB/s: DeepEP's logical"
            + " bytes / time (normal");
        System.out.println("intranode: received incl. own rank; internode: (token, node) pairs incl. own node;"
            + " low-latency: messages");
        System.out.println("of valid selections); bound: busiest resource alone; pre-main: layout + notify + CPU"
            + " sync");
        System.out.println();
        System.out.print(Reports.table(results));
        System.out.println();
        final List<String> names = new ArrayList<>();
        for (final Path p : files) {
            names.add(p.getFileName().toString());
        }
        System.out.println("wrote " + out + "/{" + String.join(", ", names) + "}");
        return 0;
    }

    /**
     * Writes every report file of a run.
     *
     * @param dir     the folder (created).
     * @param title   the study's description.
     * @param model   the model's name.
     * @param results the results (with traces).
     * @return the files, in writing order.
     * @throws java.io.IOException when writing fails.
     */
    static List<Path> write(final Path dir, final String title, final String model, final List<CaseResult> results)
        throws java.io.IOException {
        final List<Path> files = new ArrayList<>(Reports.write(dir, title, model, results));
        files.addAll(Charts.write(dir, results));
        final Path trace = dir.resolve("trace.json");
        ChromeTrace.write(trace, title, model, results);
        files.add(trace);
        return files;
    }
}
