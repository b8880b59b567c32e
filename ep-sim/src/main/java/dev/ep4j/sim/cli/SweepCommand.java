package dev.ep4j.sim.cli;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.EpMode;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.DefaultConfigs;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.scenario.Scenarios;
import dev.ep4j.sim.stats.Reports;
import dev.ep4j.sim.timing.CaseResult;
import dev.ep4j.sim.timing.CaseSpec;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.ScenarioSimulator;
import dev.ep4j.sim.timing.Study;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ep4j sweep}: predicts a grid of configs (SM counts × NVLink chunks × RDMA chunks) and/or EP sizes, with a
 * progress bar, writes every case to {@code sweep.json} and {@code sweep.csv} and prints the best config per EP size
 * and op. Ring sizes stay at the defaults of each shape; configs that break a config rule are skipped and counted.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = {"Predict a grid of configs (SMs x NVLink chunk x RDMA chunk) and/or EP sizes; write sweep.json and"
        + " sweep.csv and print the best config per EP size and op.",
        "Lists are comma-separated numbers or ranges a..b[:step], e.g. --nvl-chunk 4..32:4 --sms 8,16,24,32."})
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "FILE", description = "Scenario JSON file (default: the built-in"
        + " DeepSeek-V3 H800 study).")
    Path scenario;

    @Option(names = "--sms", paramLabel = "LIST", description = "SM counts (default: the scenario's).")
    String sms;

    @Option(names = "--nvl-chunk", paramLabel = "LIST", description = "NVLink send chunks, tokens (default: each"
        + " shape's default).")
    String nvlChunk;

    @Option(names = "--rdma-chunk", paramLabel = "LIST", description = "RDMA send chunks, tokens, internode only"
        + " (default: each shape's default).")
    String rdmaChunk;

    @Option(names = "--ep", paramLabel = "LIST", description = "EP sizes (default: the scenario's).")
    String ep;

    @Option(names = "--op", paramLabel = "OP", defaultValue = "both", description = "dispatch, combine or both"
        + " (default: ${DEFAULT-VALUE}).")
    String op;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "ep4j-out", description = "Folder for sweep.json and"
        + " sweep.csv (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the results as one JSON object instead of the summary.")
    boolean json;

    @Mixin
    ModelOptions models = new ModelOptions();

    @Override
    public Integer call() throws Exception {
        final Study study = scenario == null ? Study.deepSeekV3H800(Configs.defaultRoot())
            : Study.of(Scenarios.load(scenario));
        final List<Integer> smsList = IntRanges.parse("--sms", sms);
        final List<Integer> nvl = IntRanges.parse("--nvl-chunk", nvlChunk);
        final List<Integer> rdma = IntRanges.parse("--rdma-chunk", rdmaChunk);
        final List<Integer> eps = IntRanges.parse("--ep", ep);
        final List<OpKind> ops = ops(op);
        final List<CaseSpec> specs = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();
        for (final ResolvedScenario s : study.scenarios()) {
            for (final int size : eps.isEmpty() ? s.scenario().epSizes() : eps) {
                final Topology shape = shape(s, size);
                if (s.workload().mode() == EpMode.LOW_LATENCY) {
                    for (final OpKind o : ops) {
                        specs.add(new CaseSpec(s, size, o == OpKind.DISPATCH ? OpKind.LL_DISPATCH : OpKind.LL_COMBINE,
                            null));
                    }
                    continue;
                }
                for (final int n : smsList.isEmpty() ? s.scenario().numSms() : smsList) {
                    for (final OpKind o : ops) {
                        final KernelConfig def = DefaultConfigs.forTopology(shape, n, o == OpKind.COMBINE);
                        for (final int nc : nvl.isEmpty() ? List.of(def.nvlChunkTokens()) : nvl) {
                            for (final int rc : rdma.isEmpty() || shape.nodes() == 1 ? List.of(def.rdmaChunkTokens())
                                : rdma) {
                                try {
                                    final KernelConfig cfg = new KernelConfig(n, nc, def.nvlRecvTokens(), rc,
                                        def.rdmaRecvTokens());
                                    if (o == OpKind.COMBINE) {
                                        cfg.validateForInternodeCombine(shape.nodes());
                                    }
                                    specs.add(new CaseSpec(s, size, o, cfg));
                                } catch (final ConfigException e) {
                                    skipped.add("EP" + size + " " + o.name().toLowerCase(Locale.ROOT) + " SMs " + n
                                        + " nvl " + nc + " rdma " + rc + ": " + e.getMessage());
                                }
                            }
                        }
                    }
                }
            }
        }
        if (specs.isEmpty()) {
            throw new InvalidInputException("the sweep has no valid config (" + skipped.size() + " skipped"
                + (skipped.isEmpty() ? "" : "; first: " + skipped.get(0)) + ")");
        }
        final ScenarioSimulator sim = models.simulator();
        final long start = System.nanoTime();
        final List<CaseResult> results;
        try (Progress p = new Progress("sweep", specs.size(), json)) {
            results = sim.run(specs, false, p);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final String title = "sweep of " + study.title();
        final List<Path> files = Reports.write(out, "sweep", title, sim.model().name(), results);
        if (json) {
            System.out.print(Reports.json(title, sim.model().name(), results));
            return 0;
        }
        System.out.println("ep4j sweep: " + study.title());
        System.out.println(models.describe() + "; " + results.size() + " kernels in "
            + String.format(Locale.ROOT, "%.1f", seconds) + " s" + (skipped.isEmpty() ? ""
                : "; " + skipped.size() + " invalid configs skipped (first: " + skipped.get(0) + ")"));
        System.out.println();
        System.out.print(best(results));
        System.out.println();
        System.out.println("wrote " + files.get(0) + " and " + files.get(1).getFileName() + " (every case)");
        return 0;
    }

    private static Topology shape(final ResolvedScenario s, final int size) {
        final Topology shape = s.topology().topology().shapeForRanks(size);
        if (s.workload().experts() % size != 0) {
            throw new InvalidInputException("--ep " + size + " does not divide the " + s.workload().experts()
                + " experts of workload " + s.workload().id());
        }
        return shape;
    }

    private static List<OpKind> ops(final String op) {
        switch (op.toLowerCase(Locale.ROOT)) {
            case "dispatch":
                return List.of(OpKind.DISPATCH);
            case "combine":
                return List.of(OpKind.COMBINE);
            case "both":
                return List.of(OpKind.DISPATCH, OpKind.COMBINE);
            default:
                throw new InvalidInputException("--op " + op + ": use dispatch, combine or both");
        }
    }

    /** Per (scenario, mode, EP size, op): how many configs, the best one, its time and bandwidth, and the worst. */
    static String best(final List<CaseResult> results) {
        final Map<String, List<CaseResult>> groups = new LinkedHashMap<>();
        for (final CaseResult c : results) {
            groups.computeIfAbsent(c.spec().scenario().scenario().id() + "|" + c.spec().label(),
                k -> new ArrayList<>()).add(c);
        }
        final StringBuilder sb = new StringBuilder();
        final String fmt = "%-11s %4s %-8s %7s  %-28s %10s %8s %-10s %10s%n";
        sb.append(String.format(Locale.ROOT, fmt, "mode", "EP", "op", "configs", "best config", "time(us)", "GB/s",
            "bottleneck", "worst(us)"));
        for (final List<CaseResult> g : groups.values()) {
            CaseResult best = g.get(0);
            CaseResult worst = g.get(0);
            for (final CaseResult c : g) {
                if (c.result().timeUs() < best.result().timeUs()) {
                    best = c;
                }
                if (c.result().timeUs() > worst.result().timeUs()) {
                    worst = c;
                }
            }
            sb.append(String.format(Locale.ROOT, fmt, best.result().mode(), best.result().ranks(),
                best.result().op(), g.size(), best.spec().config() == null ? "-" : best.spec().config().toString(),
                String.format(Locale.ROOT, "%.1f", best.result().timeUs()),
                String.format(Locale.ROOT, "%.1f", best.result().bandwidthGBps()), best.result().bottleneck(),
                String.format(Locale.ROOT, "%.1f", worst.result().timeUs())));
        }
        return sb.toString();
    }
}
