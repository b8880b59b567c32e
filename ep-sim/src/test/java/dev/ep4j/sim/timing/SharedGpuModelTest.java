package dev.ep4j.sim.timing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.SharedGpuSpec;
import dev.ep4j.api.config.SmCopyPoint;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.scenario.Scenarios;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shared-GPU tier on hand-computable cases: 2 ranks, one channel, hidden 128 (a BF16 row of 256 bytes, a ring
 * record of 260 with its source index), every token of both ranks routed to rank 1. And the shipped scenarios.
 */
class SharedGpuModelTest {
    private static final int HIDDEN = 128;
    private static final long REC = 2 * HIDDEN + 4;
    private static final long ROW = 2 * HIDDEN;

    /** h100-shared-8 with the given copy ceiling and a one-point SM curve at (1 block, 512 threads). */
    private static ResolvedTopology hardware(final double hbmGBps, final double smGBps) {
        final ResolvedTopology base = Configs.resolveTopology(Configs.defaultRoot(), "h100-shared-8");
        final TopologyConfig t = base.topology();
        final SharedGpuSpec spec = new SharedGpuSpec(hbmGBps, 16, List.of(new SmCopyPoint(1, 512, smGBps)));
        final TopologyConfig topo = new TopologyConfig(t.kind(), t.id(), t.name(), 1, t.gpusPerNode(),
            t.gpuProfileId(), t.nicProfileId(), t.nicsPerNode(), t.railOptimized(), t.fabricOversubscription(),
            t.fabricRouting(), t.fabricSwitchHops(), t.switchHopLatencyNs(), spec, t.sources());
        return new ResolvedTopology(topo, base.gpu(), base.gpuPcie(), base.nic(), base.nicPcie());
    }

    /** 2 ranks x 4 tokens, top-1 of 2 experts, all to expert 1 (rank 1); numSms 2 (one channel), chunk 1. */
    private static TimingCase allToRank1(final ResolvedTopology hw, final OpKind op) {
        final Topology shape = new Topology(1, 2);
        final Traffic t = Traffic.of(shape, 1, 2, Fixtures.topk(4, 1, 2, (r, i, j) -> 1));
        return new TimingCase(hw, shape, op, new KernelConfig(2, 1, 8, 4, 8), HIDDEN, 0, false, false, t, null, 0);
    }

    @Test
    void curveReadsThroughputAgainstBytesInFlight() {
        final CopyCurve c = new CopyCurve(new SharedGpuSpec(3000, 16, List.of(new SmCopyPoint(1, 256, 20),
            new SmCopyPoint(1, 512, 40), new SmCopyPoint(2, 256, 44))));

        assertThat(c.gbps(2048)).isCloseTo(10, within(1e-12));
        assertThat(c.gbps(4096)).isCloseTo(20, within(1e-12));
        assertThat(c.gbps(6144)).isCloseTo(31, within(1e-12));
        assertThat(c.gbps(8192)).isCloseTo(42, within(1e-12));
        assertThat(c.gbps(1e9)).isCloseTo(42, within(1e-12));
    }

    @Test
    void hbmBoundIsHbmBytesOverTheCopyCeiling() {
        final TimingCase c = allToRank1(hardware(1000, 1e5), OpKind.DISPATCH);

        // sent rows read once (8 x 256) + 8 received records moved three times (3 x 8 x 260)
        assertThat(SharedGpuModel.hbmBytes(c)).isEqualTo(8 * ROW + 3 * 8 * REC);
        final AnalyticalBound b = AnalyticalModel.bound(c);
        assertThat(b.bottleneck()).isEqualTo(SharedGpuModel.HBM);
        assertThat(b.boundUs()).isCloseTo((8 * ROW + 3 * 8 * REC) / 1000e9 * 1e6, within(1e-12));
    }

    @Test
    void fewSlowBlocksMakeTheBusiestBlockTheBound() {
        final TimingCase c = allToRank1(hardware(3000, 1), OpKind.DISPATCH);
        // 4 blocks x 512 threads x 64 bytes in flight lie beyond the one point: 1 GB/s shared by 4 blocks
        final double perBlock = 0.25e9;

        final AnalyticalBound b = AnalyticalModel.bound(c);
        final TimingResult r = new AnalyticalModel().predict(c);

        assertThat(SharedGpuModel.perBlockGBps(c.hardware().topology().sharedGpu(), 4, 2)).isEqualTo(0.25);
        assertThat(b.bottleneck()).isEqualTo(Accounting.SM);
        assertThat(b.resource()).isEqualTo("rank1 sm ch0 receiver");
        assertThat(b.boundUs()).isCloseTo(2 * 8 * REC / perBlock * 1e6, within(1e-9));
        final double fixed = 3 * c.hardware().gpu().localFlagLatencyNs() / 1e3;
        final double fill = 2 * REC / perBlock * 1e6;
        assertThat(r.timeUs()).isCloseTo(fixed + fill + 2 * 8 * REC / perBlock * 1e6, within(1e-9));
        assertThat(r.bottleneck()).isEqualTo(Accounting.SM);
    }

    @Test
    void combineWritesEveryTokenAndItsSenderReturnsEveryRow() {
        final TimingCase c = allToRank1(hardware(3000, 1), OpKind.COMBINE);

        // 8 returned rows moved three times + 2 ranks x 4 tokens written
        assertThat(SharedGpuModel.hbmBytes(c)).isEqualTo(3 * 8 * REC + 8 * ROW);
        final AnalyticalBound b = AnalyticalModel.bound(c);
        assertThat(b.resource()).isEqualTo("rank1 sm ch0 sender");
        assertThat(b.classBytes().get(Accounting.SM)).isEqualTo(2 * 8 * REC);
    }

    @Test
    void refusesMoreBlocksThanSms() {
        final ResolvedTopology hw = hardware(3000, 1000);
        final Topology shape = new Topology(1, 2);
        final Traffic t = Traffic.of(shape, 34, 2, Fixtures.topk(68, 1, 2, (r, i, j) -> 1));
        final TimingCase c = new TimingCase(hw, shape, OpKind.DISPATCH, new KernelConfig(68, 1, 8, 4, 8), HIDDEN, 0,
            false, false, t, null, 0);

        assertThatThrownBy(() -> AnalyticalModel.bound(c)).isInstanceOf(ConfigException.class)
            .hasMessageContaining("136 blocks exceed the 132 SMs");
    }

    @Test
    void shippedScenariosLoadAndPredict() {
        for (final int r : new int[] {2, 4, 8}) {
            final var scenario = Scenarios.load(Configs.defaultRoot().resolve("scenarios/h100-shared-r" + r
                + ".json"));
            final List<CaseResult> results = new ScenarioSimulator(new AnalyticalModel(), 2)
                .run(Study.of(scenario).cases(), false, ScenarioSimulator.Progress.NONE);

            assertThat(results).hasSize(6);
            for (final CaseResult c : results) {
                assertThat(c.note()).isEmpty();
                assertThat(c.result().ranks()).isEqualTo(r);
                assertThat(c.result().timeUs()).isGreaterThanOrEqualTo(c.bound().boundUs()).isPositive();
                assertThat(c.result().bottleneck()).isIn(SharedGpuModel.HBM, Accounting.SM);
            }
        }
    }
}
