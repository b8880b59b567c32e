package dev.ep4j.sim.timing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand cases of the analytical tier with round capacities (see {@link Fixtures}). */
class AnalyticalModelTest {
    private static final int T = 1000;
    /** Intranode FP8 record with H = 128, K = 4: 128 + 4 + 32 + 16 + 4. */
    private static final long REC = 184;
    private final AnalyticalModel model = new AnalyticalModel();

    /** 4 GPUs, 4 experts (one per GPU), K = 4: every token goes to every GPU (all-to-all). */
    private static TimingCase allToAll(final int numSms) {
        final ResolvedTopology hw = Fixtures.hardware(1, 4);
        final List<HostTensor> topk = Fixtures.topk(T, 4, 4, (r, t, j) -> j);
        return Fixtures.normal(hw, new Topology(1, 4), OpKind.DISPATCH, new KernelConfig(numSms, 4, 16, 4, 8), 128,
            4, true, 4, topk);
    }

    @Test
    void shouldBindOnNvlinkForASingleNodeAllToAll() {
        final TimingCase c = allToAll(8);
        // each GPU sends 3 T records to its peers and receives 3 T: 3 * 1000 * 184 B at 100 GB/s = 5.52 us;
        // its busiest sender SM (4 channels of 250 tokens) moves 250 * 4 * 184 B at 50 GB/s = 3.68 us
        final AnalyticalBound b = AnalyticalModel.bound(c);
        assertThat(b.boundUs()).isCloseTo(3 * T * REC / 100e3, within(1e-9));
        assertThat(b.bottleneck()).isEqualTo("nvlink");
        assertThat(b.classUs().get("sm")).isCloseTo(250 * 4 * REC / 50e3, within(1e-9));
        final TimingResult r = model.predict(c);
        assertThat(r.bottleneck()).isEqualTo("nvlink");
        // fill: stages NVLink send (4 tokens at min(50, 100 / 4) GB/s) and receive copy (4 tokens at 50 GB/s):
        // sum - max = the receive chunk, 4 * 184 / 50 ns
        final double fill = 4 * REC / 50.0 / 1e3;
        final double fixed = AnalyticalModel.fixedUs(c);
        assertThat(fixed).isCloseTo((2 * c.hardware().gpu().nvlinkFlagLatencyNs()
            + c.hardware().gpu().nvlinkDataLatencyNs()) / 1e3, within(1e-12));
        assertThat(r.timeUs()).isCloseTo(fixed + fill + b.boundUs(), within(1e-9));
        // logical bytes: every GPU receives 4 T tokens of 128 + 4 bytes (its own included)
        assertThat(r.logicalBytes()).isEqualTo(4L * T * 132);
        assertThat(r.bandwidthGBps()).isCloseTo(4.0 * T * 132 / (r.timeUs() * 1e3), within(1e-9));
        assertThat(r.phasesUs()).containsKeys("layout", "notify", "cpuSync", "main");
        assertThat(r.phasesUs().get("main")).isEqualTo(r.timeUs());
        assertThat(r.utilisation().get("nvlink")).isCloseTo(b.boundUs() / r.timeUs(), within(1e-12));
    }

    @Test
    void shouldBindOnSmsWhenFewAreGiven() {
        // 2 SMs = 1 channel: its sender SM moves all 4 T records, 4 * 1000 * 184 B at 50 GB/s = 14.72 us
        final AnalyticalBound b = AnalyticalModel.bound(allToAll(2));
        assertThat(b.bottleneck()).isEqualTo("sm");
        assertThat(b.boundUs()).isCloseTo(4 * T * REC / 50e3, within(1e-9));
        assertThat(model.predict(allToAll(2)).bottleneck()).isEqualTo("sm");
    }

    /** 2 nodes x 2 GPUs, K = 1: every token of (i, n) goes to (1 - i, n), so NVLink stays idle and RDMA binds. */
    @Test
    void shouldBindOnRdmaBetweenTwoNodes() {
        final ResolvedTopology hw = Fixtures.hardware(2, 2);
        final Topology shape = new Topology(2, 2);
        final int tokens = 10 * T;
        final List<HostTensor> topk = Fixtures.topk(tokens, 1, 4, (r, t, j) -> (r + 2) % 4);
        final TimingCase c = Fixtures.normal(hw, shape, OpKind.DISPATCH, new KernelConfig(8, 4, 16, 4, 8), 128, 1,
            true, 4, topk);
        // record 128 + 4 + 8 + 4 + 4 = 148 -> 160 B; 10000 of them through one NIC at 50 GB/s = 32 us
        final AnalyticalBound b = AnalyticalModel.bound(c);
        assertThat(b.bottleneck()).isEqualTo("rdma");
        assertThat(b.boundUs()).isCloseTo(tokens * 160 / 50e3, within(1e-9));
        assertThat(b.classUs()).doesNotContainKey("nvlink");
        final TimingResult r = model.predict(c);
        assertThat(r.bottleneck()).isEqualTo("rdma");
        assertThat(r.nodes()).isEqualTo(2);
        // "RDMA" logical bytes: one (token, node) pair per token, FP8 132 B
        assertThat(r.logicalBytes()).isEqualTo(tokens * 132L);
        assertThat(r.timeUs()).isGreaterThan(b.boundUs() + 2 * hw.nic().latencyNs() / 1e3);
    }

    @Test
    void shouldReportLatencyWhenNoBandwidthTermDominates() {
        final ResolvedTopology hw = Fixtures.hardware(1, 2);
        final List<HostTensor> topk = Fixtures.topk(1, 1, 2, (r, t, j) -> 1 - r);
        final TimingCase c = Fixtures.normal(hw, new Topology(1, 2), OpKind.DISPATCH, new KernelConfig(2, 1, 4, 1,
            2), 128, 1, true, 2, topk);
        assertThat(model.predict(c).bottleneck()).isEqualTo(AnalyticalModel.LATENCY);
    }

    @Test
    void shouldNeverPredictBelowTheBoundAndBeDeterministic() {
        final TimingCase c = allToAll(8);
        final TimingResult a = model.predict(c);
        final TimingResult b = model.predict(c);
        assertThat(a.timeUs()).isGreaterThanOrEqualTo(AnalyticalModel.bound(c).boundUs());
        assertThat(a.timeUs()).isEqualTo(b.timeUs());
        assertThat(a.rankTimeUs()).containsExactly(b.rankTimeUs());
    }

    @Test
    void shouldTraceOneTrackPerRankAndPerResourceClass() {
        final TraceRecorder rec = new TraceRecorder(1000);
        model.predict(allToAll(8), rec);
        assertThat(rec.events()).extracting(TraceRecorder.Event::track).contains("rank 0", "rank 3", "nvlink busiest",
            "sm busiest");
        assertThat(rec.events()).filteredOn(e -> e.track().equals("rank 0")).extracting(TraceRecorder.Event::name)
            .containsExactly("layout", "notify", "cpuSync", "main");
    }
}
