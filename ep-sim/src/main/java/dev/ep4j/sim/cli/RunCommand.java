package dev.ep4j.sim.cli;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.sim.scenario.RankTensors;
import dev.ep4j.sim.scenario.ScenarioRunner;
import dev.ep4j.sim.scenario.Scenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j run --backend sim --scenario FILE [--ep N] [--dump DIR]}: runs the scenario's operations on every
 * rank and optionally dumps inputs and outputs as NumPy files.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a scenario's dispatch/combine on every rank; --dump writes DIR/rank<r>/<name>.npy.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "sim", description = "sim, cuda or auto (default ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--scenario", required = true, description = "Scenario JSON file.")
    Path scenario;
    @Option(names = "--ep", description = "EP size to run (default: the scenario's first).")
    Integer ep;
    @Option(names = "--dump", description = "Folder for the .npy files and scenario.json.")
    Path dump;
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        final ResolvedScenario s = Scenarios.load(scenario);
        final int size = epSize(s, ep);
        final ScenarioRunner runner = new ScenarioRunner(s, size);
        final long start = System.nanoTime();
        final List<RankTensors> ranks;
        try (Backend b = Backends.open(backend)) {
            ranks = runner.run(b);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        int files = 0;
        if (dump != null) {
            files = Scenarios.dump(dump, s, size, ranks);
        }
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final RankTensors r : ranks) {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("rank", r.rank());
            final String recv = runner.lowLatency() ? "packed_recv_count" : "recv_x";
            row.put("received", runner.lowLatency() ? sum(r, recv) : r.get(recv).dim(0));
            rows.add(row);
        }
        if (json) {
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("scenario", s.scenario().id());
            out.put("backend", backend);
            out.put("epSize", size);
            out.put("shape", runner.topology().toString());
            out.put("wallSeconds", seconds);
            out.put("ranks", rows);
            out.put("filesWritten", files);
            System.out.println(Json.write(out));
        } else {
            System.out.printf("%s on %s: EP %d (%s), %s mode, %.2f s%n", s.scenario().id(), backend, size,
                runner.topology(), runner.lowLatency() ? "low-latency" : "normal", seconds);
            for (final Map<String, Object> row : rows) {
                System.out.printf("  rank %3d received %s rows%n", row.get("rank"), row.get("received"));
            }
            if (dump != null) {
                System.out.println("wrote " + files + " files under " + dump);
            }
        }
        return 0;
    }

    static int epSize(final ResolvedScenario s, final Integer ep) {
        final List<Integer> sizes = s.scenario().epSizes();
        if (ep == null) {
            return sizes.get(0);
        }
        if (!sizes.contains(ep)) {
            throw new InvalidInputException("--ep=" + ep + " is not one of the scenario's epSizes " + sizes);
        }
        return ep;
    }

    private static long sum(final RankTensors r, final String name) {
        long total = 0;
        final var t = r.host(name);
        for (long i = 0; i < t.numel(); i++) {
            total += t.getInt(i);
        }
        return total;
    }
}
