package dev.ep4j.sim.scenario;

import dev.ep4j.api.config.ConfigProblem;
import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.ScenarioConfig;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.tensor.Npy;
import dev.ep4j.api.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loading scenario files and dumping run results. Stateless.
 */
public final class Scenarios {
    private Scenarios() {
    }

    /**
     * Loads a scenario file strictly and resolves its topology and workload ids under the configs root: the
     * {@code configs/} folder the file sits in (when it is {@code configs/scenarios/x.json}), else
     * {@link Configs#defaultRoot()}.
     *
     * @param file a scenario JSON file.
     * @return the resolved scenario.
     * @throws ConfigException listing every problem with its JSON path.
     */
    public static ResolvedScenario load(final Path file) {
        final List<ConfigProblem> problems = Configs.check(file);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().map(p -> p.file() + " " + p.jsonPath() + ": " + p.reason())
                .collect(Collectors.joining("; ")));
        }
        final ScenarioConfig s = Configs.load(file, ScenarioConfig.class);
        final Path parent = file.toAbsolutePath().getParent();
        final Path root = parent != null && parent.getParent() != null
            && Files.isDirectory(parent.getParent().resolve("topologies")) ? parent.getParent() : Configs.defaultRoot();
        final ResolvedTopology topology = Configs.resolveTopology(root, s.topologyId());
        final WorkloadConfig workload = Configs.resolve(root, WorkloadConfig.class, s.workloadId());
        return new ResolvedScenario(s, topology, workload);
    }

    /**
     * Writes {@code DIR/rank<r>/<name>.npy} for every host tensor of every rank (BF16 as uint16 bits, FP8 as uint8
     * bits; shape-only tensors are skipped) and {@code DIR/scenario.json} echoing the resolved scenario.
     *
     * @param dir      output folder (created).
     * @param scenario the resolved scenario.
     * @param ep       the EP size run.
     * @param ranks    per-rank tensors.
     * @return number of files written.
     * @throws IOException when writing fails.
     */
    public static int dump(final Path dir, final ResolvedScenario scenario, final int ep,
        final List<RankTensors> ranks) throws IOException {
        Files.createDirectories(dir);
        int files = 0;
        for (final RankTensors r : ranks) {
            final Path rd = dir.resolve("rank" + r.rank());
            Files.createDirectories(rd);
            for (final Map.Entry<String, Tensor> e : r.all().entrySet()) {
                if (e.getValue().hostView() != null) {
                    Npy.write(rd.resolve(e.getKey() + ".npy"), e.getValue().hostView());
                    files++;
                }
            }
        }
        final Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("epSize", ep);
        echo.put("shape", scenario.topology().topology().shapeForRanks(ep).toString());
        echo.put("scenario", scenario.scenario());
        echo.put("topology", scenario.topology().topology());
        echo.put("gpu", scenario.topology().gpu());
        echo.put("nic", scenario.topology().nic());
        echo.put("workload", scenario.workload());
        Files.writeString(dir.resolve("scenario.json"),
            Configs.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(echo) + "\n");
        return files + 1;
    }
}
