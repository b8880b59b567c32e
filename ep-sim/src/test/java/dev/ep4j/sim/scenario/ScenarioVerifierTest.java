package dev.ep4j.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ScenarioVerifierTest {

    static Path scenario(final String id) {
        Path dir = Path.of(System.getProperty("ep4j.root", "")).toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        return dir.resolve("configs/scenarios/" + id + ".json");
    }

    private static Map<String, Boolean> outcome(final ScenarioRunner runner, final List<RankTensors> a,
        final List<RankTensors> b) {
        return ScenarioVerifier.verify(runner, a, b).stream().collect(Collectors.toMap(Check::name, Check::passed));
    }

    @Test
    void shouldPassOnACleanRunAndFailOnEachCorruption() {
        final ResolvedScenario s = Scenarios.load(scenario("intranode-ep8-small"));
        final ScenarioRunner runner = new ScenarioRunner(s, 8);
        try (Backend sim = Backends.open("sim")) {
            final List<RankTensors> a = runner.run(sim);
            final List<RankTensors> b = runner.run(sim);
            assertThat(outcome(runner, a, b)).doesNotContainValue(false).hasSize(6);

            final HostTensor recv = a.get(3).host("recv_x");
            recv.setByte(5, (byte) (recv.getByte(5) ^ 1));
            final Map<String, Boolean> bad = outcome(runner, a, b);
            assertThat(bad).containsEntry("recv-rows", false).containsEntry("determinism", false);
            recv.setByte(5, (byte) (recv.getByte(5) ^ 1));

            final HostTensor w = a.get(1).host("combined_topk_weights");
            w.setFloat(0, w.getFloat(0) + 1);
            assertThat(outcome(runner, a, null)).containsEntry("combine-weights", false);
            w.setFloat(0, w.getFloat(0) - 1);

            final HostTensor comb = a.get(2).host("combined_x");
            for (long i = 0; i < comb.numel(); i += 3) {
                comb.setShort(i, (short) 0);
            }
            assertThat(outcome(runner, a, null)).containsEntry("combine-x", false);
        }
    }
}
