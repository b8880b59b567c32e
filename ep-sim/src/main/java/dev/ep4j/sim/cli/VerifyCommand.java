package dev.ep4j.sim.cli;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.sim.scenario.Check;
import dev.ep4j.sim.scenario.RankTensors;
import dev.ep4j.sim.scenario.ScenarioRunner;
import dev.ep4j.sim.scenario.ScenarioVerifier;
import dev.ep4j.sim.scenario.Scenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j verify --backend sim --scenario FILE}: runs the scenario twice and checks it against DeepEP's test
 * invariants, recomputed independently; ends with {@code N passed, M failed} (exit 1 when M &gt; 0).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Run a scenario and check DeepEP's contract on it; ends with 'N passed, M failed'.")
final class VerifyCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "sim", description = "sim, cuda or auto (default ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--scenario", required = true, description = "Scenario JSON file.")
    Path scenario;
    @Option(names = "--ep", description = "EP size (default: the scenario's first).")
    Integer ep;

    @Override
    public Integer call() {
        final ResolvedScenario s = Scenarios.load(scenario);
        final int size = RunCommand.epSize(s, ep);
        final ScenarioRunner runner = new ScenarioRunner(s, size);
        final List<Check> checks;
        try (Backend b = Backends.open(backend)) {
            final List<RankTensors> first = runner.run(b);
            checks = ScenarioVerifier.checks(runner, first);
            final List<Map<String, String>> a = digests(first);
            final List<RankTensors> second = runner.run(b);
            checks.add(ScenarioVerifier.identicalDigests(a, digests(second)));
        }
        int passed = 0;
        int failed = 0;
        System.out.printf("%s on %s: EP %d (%s)%n", s.scenario().id(), backend, size, runner.topology());
        for (final Check c : checks) {
            System.out.printf("  %s %-18s %s%n", c.passed() ? "PASS" : "FAIL", c.name(), c.detail());
            if (c.passed()) {
                passed++;
            } else {
                failed++;
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    /** Digests every rank's tensors, then releases them. */
    private static List<Map<String, String>> digests(final List<RankTensors> run) {
        final List<Map<String, String>> out = new ArrayList<>();
        for (final RankTensors r : run) {
            out.add(r.digests());
            r.close();
        }
        return out;
    }
}
