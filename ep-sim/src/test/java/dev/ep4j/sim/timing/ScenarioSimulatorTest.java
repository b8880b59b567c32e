package dev.ep4j.sim.timing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.sim.scenario.ScenarioRunner;
import dev.ep4j.sim.scenario.Scenarios;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioSimulatorTest {
    private static ResolvedScenario small(final String id) {
        return Scenarios.load(Configs.defaultRoot().resolve("scenarios/" + id + ".json"));
    }

    @Test
    void shouldGenerateTheSameTopkAsTheFunctionalRunner() {
        for (final String id : List.of("internode-2x4-small", "ll-ep8-small")) {
            final ScenarioRunner r = new ScenarioRunner(small(id), 8);
            assertThat(r.topkIdx(3).contentEquals(r.routing(3).topkIdx())).isTrue();
        }
    }

    @Test
    void shouldReturnResultsInInputOrderIndependentOfThreads() {
        final List<CaseSpec> specs = new ArrayList<>();
        for (final String id : List.of("intranode-ep8-small", "internode-2x4-small", "ll-ep8-small")) {
            specs.addAll(Study.of(small(id)).cases());
        }
        final List<CaseResult> one = new ScenarioSimulator(new AnalyticalModel(), 1).run(specs, false,
            ScenarioSimulator.Progress.NONE);
        final List<Integer> seen = new ArrayList<>();
        final List<CaseResult> two = new ScenarioSimulator(new AnalyticalModel(), 2).run(specs, true,
            (done, total, spec) -> seen.add(done));
        assertThat(seen).containsExactly(1, 2, 3, 4, 5, 6);
        for (int i = 0; i < specs.size(); i++) {
            assertThat(two.get(i).spec()).isEqualTo(specs.get(i));
            assertThat(two.get(i).result().timeUs()).isEqualTo(one.get(i).result().timeUs());
            assertThat(two.get(i).result().bandwidthGBps()).isEqualTo(one.get(i).result().bandwidthGBps());
            assertThat(two.get(i).result().timeUs()).isGreaterThanOrEqualTo(two.get(i).bound().boundUs());
            assertThat(two.get(i).note()).isEmpty();
            assertThat(two.get(i).trace().events()).isNotEmpty();
        }
        assertThat(one.get(0).trace()).isNull();
        assertThat(two).extracting(c -> c.result().op()).containsExactly("dispatch", "combine", "dispatch",
            "combine", "dispatch", "combine");
        assertThat(two.get(2).result().nodes()).isEqualTo(2);
        assertThat(two.get(4).result().mode()).isEqualTo("low-latency");
    }

    @Test
    void shouldFallBackToTheAnalyticalModelWhereAModelDoesNotApply() {
        final TimingModel partial = new TimingModel() {
            @Override
            public String name() {
                return "partial";
            }

            @Override
            public TimingResult predict(final TimingCase c) {
                throw new UnsupportedOperationException("low-latency not modelled");
            }
        };
        final List<CaseResult> r = new ScenarioSimulator(partial, 1).run(Study.of(small("ll-ep8-small")).cases(),
            false, ScenarioSimulator.Progress.NONE);
        assertThat(r.get(0).result().model()).isEqualTo("analytical");
        assertThat(r.get(0).note()).contains("partial does not cover this case").contains("low-latency not modelled");
    }

    @Test
    void shouldFlagAModelThatBeatsTheBound() {
        final TimingModel tooFast = new TimingModel() {
            @Override
            public String name() {
                return "fast";
            }

            @Override
            public TimingResult predict(final TimingCase c) {
                final TimingResult a = new AnalyticalModel().predict(c);
                return new TimingResult("fast", a.mode(), a.ranks(), a.nodes(), a.op(), a.timeUs() / 10,
                    a.bandwidthGBps() * 10, a.bottleneck(), a.phasesUs(), a.logicalBytes(), a.rankTimeUs(),
                    a.utilisation(), 0, 0);
            }
        };
        final List<CaseResult> r = new ScenarioSimulator(tooFast, 1).run(
            Study.of(small("intranode-ep8-small")).cases(), false, ScenarioSimulator.Progress.NONE);
        assertThat(r.get(0).note()).contains("below the bandwidth bound").contains("a model bug");
    }

    @Test
    void shouldBuildTheBuiltInDefaultStudy() {
        final Study s = Study.deepSeekV3H800(Configs.defaultRoot());
        final List<CaseSpec> cases = s.cases();
        assertThat(cases).hasSize(2 * (4 + 6));
        assertThat(cases).filteredOn(c -> !c.lowLatency()).extracting(CaseSpec::ep).containsExactly(8, 8, 16, 16, 32,
            32, 64, 64);
        assertThat(cases).filteredOn(c -> !c.lowLatency()).allSatisfy(c -> assertThat(c.config().numSms())
            .isEqualTo(24));
        assertThat(cases).filteredOn(CaseSpec::lowLatency).extracting(c -> c.ep() + ":"
            + c.scenario().workload().experts()).containsExactly("8:288", "8:288", "16:288", "16:288", "32:288",
            "32:288", "64:256", "64:256", "128:256", "128:256", "256:256", "256:256");
        assertThat(cases.get(cases.size() - 1).shape().nodes()).isEqualTo(32);
        assertThat(cases.get(0).scenario().workload().tokensPerRank()).isEqualTo(4096);
        assertThat(cases.get(9).scenario().workload().tokensPerRank()).isEqualTo(128);
    }
}
