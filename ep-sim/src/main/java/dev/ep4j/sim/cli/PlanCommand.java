package dev.ep4j.sim.cli;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.sim.scenario.Scenarios;
import dev.ep4j.sim.timing.AnalyticalModel;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.Planner;
import dev.ep4j.sim.timing.ScenarioSimulator;
import dev.ep4j.sim.timing.Study;
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
 * {@code ep4j plan --memory-gib X}: recommends, per EP size, the SM count, chunk and ring sizes whose buffers fit the
 * memory budget and that the timing model predicts fastest, with the exact buffer bytes and the predicted time of
 * each candidate shown. Exits 2 when nothing fits some EP size (the smallest need is printed).
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Recommend SMs, chunk sizes and buffer bytes that fit a GPU memory budget, with the predicted time"
        + " of each candidate.",
        "Lists are comma-separated numbers or ranges a..b[:step]; defaults: SMs 8,16,24,32; dispatch NVLink chunks"
            + " 4,8,16,32; combine 1,2,4,8; NVLink rings 128,256,288,512; RDMA chunks 4,8,12,16,24; RDMA rings"
            + " 64,128,256."})
final class PlanCommand implements Callable<Integer> {
    private static final double MIB = 1024.0 * 1024;
    private static final double GIB = MIB * 1024;

    @Option(names = "--scenario", paramLabel = "FILE", description = "Scenario JSON file (default: the built-in"
        + " DeepSeek-V3 H800 study).")
    java.nio.file.Path scenario;

    @Option(names = "--memory-gib", paramLabel = "X", required = true, description = "GPU memory for the NVLink +"
        + " RDMA buffers, GiB.")
    double memoryGiB;

    @Option(names = "--ep", paramLabel = "LIST", description = "EP sizes (default: the scenario's).")
    String ep;

    @Option(names = "--sms", paramLabel = "LIST", description = "SM counts to consider.")
    String sms;

    @Option(names = "--nvl-chunk", paramLabel = "LIST", description = "Dispatch NVLink chunks, tokens.")
    String nvlChunk;

    @Option(names = "--combine-nvl-chunk", paramLabel = "LIST", description = "Combine NVLink chunks, tokens.")
    String combineNvlChunk;

    @Option(names = "--nvl-recv", paramLabel = "LIST", description = "NVLink ring capacities, tokens.")
    String nvlRecv;

    @Option(names = "--rdma-chunk", paramLabel = "LIST", description = "RDMA chunks, tokens.")
    String rdmaChunk;

    @Option(names = "--rdma-recv", paramLabel = "LIST", description = "RDMA ring capacities, tokens.")
    String rdmaRecv;

    @Option(names = "--top", paramLabel = "N", defaultValue = "5", description = "Candidates shown per EP size"
        + " (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "Print one JSON object instead of the tables.")
    boolean json;

    @Mixin
    ModelOptions models = new ModelOptions();

    @Override
    public Integer call() {
        if (!(memoryGiB > 0) || Double.isInfinite(memoryGiB)) {
            throw new InvalidInputException("--memory-gib " + memoryGiB + " must be a positive number of GiB");
        }
        if (top < 1) {
            throw new InvalidInputException("--top " + top + " must be >= 1");
        }
        final Study study = scenario == null ? Study.deepSeekV3H800(Configs.defaultRoot())
            : Study.of(Scenarios.load(scenario));
        final Planner.Grid d = Planner.Grid.defaults();
        final Planner.Grid grid = new Planner.Grid(or(IntRanges.parse("--sms", sms), d.sms()),
            or(IntRanges.parse("--nvl-chunk", nvlChunk), d.dispatchNvlChunks()),
            or(IntRanges.parse("--combine-nvl-chunk", combineNvlChunk), d.combineNvlChunks()),
            or(IntRanges.parse("--nvl-recv", nvlRecv), d.nvlRecv()),
            or(IntRanges.parse("--rdma-chunk", rdmaChunk), d.rdmaChunks()),
            or(IntRanges.parse("--rdma-recv", rdmaRecv), d.rdmaRecv()));
        final long budget = (long) (memoryGiB * GIB);
        final ScenarioSimulator sim = models.simulator();
        final List<Planner.Plan> plans = new ArrayList<>();
        final List<Integer> eps = IntRanges.parse("--ep", ep);
        for (final ResolvedScenario s : study.scenarios()) {
            final List<Integer> sizes = eps.isEmpty() ? s.scenario().epSizes() : eps;
            for (final int size : sizes) {
                s.topology().topology().shapeForRanks(size);
                if (s.workload().experts() % size != 0) {
                    throw new InvalidInputException("--ep " + size + " does not divide the " + s.workload().experts()
                        + " experts of workload " + s.workload().id());
                }
            }
            try (Progress p = new Progress("plan " + s.scenario().id(), 0, json)) {
                plans.addAll(Planner.plan(s, sizes, grid, budget, sim, top, p));
            }
        }
        boolean allFit = true;
        for (final Planner.Plan p : plans) {
            allFit &= p.recommended() != null;
        }
        if (json) {
            final Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("title", study.title());
            doc.put("model", sim.model().name());
            doc.put("memoryGiB", memoryGiB);
            doc.put("budgetBytes", budget);
            final List<Map<String, Object>> rows = new ArrayList<>();
            for (final Planner.Plan p : plans) {
                rows.add(plan(p));
            }
            doc.put("plans", rows);
            System.out.println(Json.write(doc));
            return allFit ? 0 : Ep4jCli.EXIT_BAD_INPUT;
        }
        System.out.println("ep4j plan: " + study.title());
        System.out.println("budget " + fmt(memoryGiB) + " GiB (" + String.format(Locale.ROOT, "%,d", budget)
            + " bytes) for the NVLink + RDMA buffers; exact bytes each config needs; " + models.describe());
        for (final Planner.Plan p : plans) {
            System.out.println();
            print(p);
        }
        return allFit ? 0 : Ep4jCli.EXIT_BAD_INPUT;
    }

    private static List<Integer> or(final List<Integer> given, final List<Integer> fallback) {
        return given.isEmpty() ? fallback : given;
    }

    private static void print(final Planner.Plan p) {
        final String mode = AnalyticalModel.mode(p.scenario().workload().mode() == dev.ep4j.api.config.EpMode.NORMAL
            ? OpKind.DISPATCH : OpKind.LL_DISPATCH);
        System.out.println(mode + " EP" + p.ep() + " (" + p.shape() + ", " + p.scenario().workload().id() + "): "
            + p.evaluated() + " kernels predicted, " + p.pairs() + " (dispatch, combine) pairs, " + p.fitting()
            + " fit");
        if (p.recommended() == null) {
            final Planner.Candidate s = p.smallest();
            System.out.println("  nothing fits: the smallest needs " + fmt(s.totalBytes() / GIB) + " GiB ("
                + describe(s) + "); raise --memory-gib or try fewer SMs / smaller rings");
            return;
        }
        final String f = "  %-3s %4s  %-26s %-26s %9s %9s %10s %10s %10s  %s%n";
        System.out.printf(Locale.ROOT, f, "#", "SMs", "dispatch config", "combine config", "NVL MiB", "RDMA MiB",
            "disp us", "comb us", "total us", "bottleneck");
        int i = 0;
        for (final Planner.Candidate c : p.top()) {
            System.out.printf(Locale.ROOT, f, ++i == 1 ? "1*" : String.valueOf(i), c.sms(), cfg(c.dispatch()),
                cfg(c.combine()), fmt(c.nvlBytes() / MIB), fmt(c.rdmaBytes() / MIB), fmt(c.dispatchUs()),
                fmt(c.combineUs()), fmt(c.totalUs()), c.bottleneck());
        }
        final Planner.Candidate r = p.recommended();
        System.out.println("  recommended: " + describe(r) + "; predicted " + fmt(r.dispatchUs()) + " us dispatch ("
            + fmt(r.dispatchGBps()) + " GB/s) + " + fmt(r.combineUs()) + " us combine (" + fmt(r.combineGBps())
            + " GB/s)");
    }

    private static String describe(final Planner.Candidate c) {
        final String bytes = "NVLink buffer " + String.format(Locale.ROOT, "%,d", c.nvlBytes()) + " B + RDMA buffer "
            + String.format(Locale.ROOT, "%,d", c.rdmaBytes()) + " B = " + fmt(c.totalBytes() / GIB) + " GiB";
        if (c.dispatch() == null) {
            return "low-latency buffer (DeepEP's layout, " + c.sms() + " SMs): " + bytes;
        }
        return c.sms() + " SMs, dispatch " + c.dispatch() + ", combine " + c.combine() + ", " + bytes
            + " (DeepEP's size hints: " + fmt((c.hintNvlBytes() + c.hintRdmaBytes()) / GIB) + " GiB)";
    }

    private static String cfg(final Object c) {
        return c == null ? "-" : c.toString();
    }

    private static String fmt(final double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.1f" : "%.2f", v);
    }

    private static Map<String, Object> plan(final Planner.Plan p) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", p.scenario().workload().mode().toString());
        m.put("ranks", p.ep());
        m.put("nodes", p.shape().nodes());
        m.put("scenario", p.scenario().scenario().id());
        m.put("evaluated", p.evaluated());
        m.put("pairs", p.pairs());
        m.put("fitting", p.fitting());
        m.put("recommended", p.recommended() == null ? null : candidate(p.recommended()));
        final List<Map<String, Object>> top = new ArrayList<>();
        for (final Planner.Candidate c : p.top()) {
            top.add(candidate(c));
        }
        m.put("candidates", top);
        m.put("smallest", p.smallest() == null ? null : candidate(p.smallest()));
        return m;
    }

    private static Map<String, Object> candidate(final Planner.Candidate c) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("numSms", c.sms());
        m.put("dispatchConfig", c.dispatch() == null ? null : config(c.dispatch()));
        m.put("combineConfig", c.combine() == null ? null : config(c.combine()));
        m.put("nvlBytes", c.nvlBytes());
        m.put("rdmaBytes", c.rdmaBytes());
        m.put("totalBytes", c.totalBytes());
        m.put("hintNvlBytes", c.hintNvlBytes());
        m.put("hintRdmaBytes", c.hintRdmaBytes());
        m.put("dispatchUs", round(c.dispatchUs()));
        m.put("combineUs", round(c.combineUs()));
        m.put("totalUs", round(c.totalUs()));
        m.put("dispatchGBps", round(c.dispatchGBps()));
        m.put("combineGBps", round(c.combineGBps()));
        m.put("bottleneck", c.bottleneck());
        return m;
    }

    private static Map<String, Object> config(final dev.ep4j.api.kernel.KernelConfig k) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("numSms", k.numSms());
        m.put("nvlChunkTokens", k.nvlChunkTokens());
        m.put("nvlRecvTokens", k.nvlRecvTokens());
        m.put("rdmaChunkTokens", k.rdmaChunkTokens());
        m.put("rdmaRecvTokens", k.rdmaRecvTokens());
        return m;
    }

    private static double round(final double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
