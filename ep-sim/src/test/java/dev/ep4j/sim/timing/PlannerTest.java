package dev.ep4j.sim.timing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.sim.scenario.Scenarios;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final ScenarioSimulator SIM = new ScenarioSimulator(new AnalyticalModel(), 2);

    private static ResolvedScenario small(final String id) {
        return Scenarios.load(Configs.defaultRoot().resolve("scenarios/" + id + ".json"));
    }

    @Test
    void shouldRecommendTheFastestPairThatFits() {
        final ResolvedScenario s = small("internode-2x4-small");
        final Planner.Grid g = new Planner.Grid(List.of(8, 16), List.of(4, 8), List.of(1, 2), List.of(64, 128),
            List.of(4, 8, 12), List.of(32, 64));
        final Planner.Plan all = Planner.plan(s, List.of(8), g, Long.MAX_VALUE, SIM, 3, ScenarioSimulator.Progress.NONE)
            .get(0);
        assertThat(all.fitting()).isEqualTo(all.pairs()).isPositive();
        // a budget between the smallest and the largest need: the recommendation fits it exactly by the need formulas
        final long budget = all.smallest().totalBytes() + (all.recommended().totalBytes() - all.smallest()
            .totalBytes()) / 2 + 1;
        final Planner.Plan p = Planner.plan(s, List.of(8), g, budget, SIM, 3, ScenarioSimulator.Progress.NONE).get(0);
        final Planner.Candidate r = p.recommended();
        assertThat(r).isNotNull();
        assertThat(r.totalBytes()).isLessThanOrEqualTo(budget);
        final BufferSizing.BufferNeed need = Planner.need(s, p.shape(), OpKind.DISPATCH, r.dispatch())
            .max(Planner.need(s, p.shape(), OpKind.COMBINE, r.combine()));
        assertThat(r.nvlBytes()).isEqualTo(need.nvlBytes());
        assertThat(r.rdmaBytes()).isEqualTo(need.rdmaBytes()).isPositive();
        assertThat(r.dispatch().numSms()).isEqualTo(r.combine().numSms()).isEqualTo(r.sms());
        for (final Planner.Candidate c : p.top()) {
            assertThat(c.totalBytes()).isLessThanOrEqualTo(budget);
            assertThat(c.totalUs()).isGreaterThanOrEqualTo(r.totalUs());
        }
        assertThat(p.fitting()).isLessThan(p.pairs());
    }

    @Test
    void shouldSayWhatTheSmallestNeedsWhenNothingFits() {
        final Planner.Plan p = Planner.plan(small("intranode-ep8-small"), List.of(8), Planner.Grid.defaults(), 1024,
            SIM, 5, ScenarioSimulator.Progress.NONE).get(0);
        assertThat(p.recommended()).isNull();
        assertThat(p.fitting()).isZero();
        assertThat(p.smallest().totalBytes()).isGreaterThan(1024);
    }

    @Test
    void shouldPlanTheLowLatencyBufferWithDeepEpsLayout() {
        final ResolvedScenario s = small("ll-ep8-small");
        final Planner.Plan p = Planner.plan(s, List.of(8), Planner.Grid.defaults(), 1L << 30, SIM, 5,
            ScenarioSimulator.Progress.NONE).get(0);
        assertThat(p.recommended().rdmaBytes()).isEqualTo(BufferSizing.lowLatencySizeHint(64, 1024, 8, 32));
        assertThat(p.recommended().dispatchUs()).isPositive();
    }
}
