package dev.ep4j.sim.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.timing.AnalyticalModel;
import dev.ep4j.sim.timing.LowLatencyTraffic;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TimingResult;
import dev.ep4j.sim.timing.TimingModels;
import dev.ep4j.sim.timing.Traffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Invariants of the discrete-event tier (simulator.md §6, plan item 1) on random shapes: never below the analytical
 * bandwidth bound, rings never over-full and fully drained, deterministic; back-pressure from small rings; a ring
 * too small to progress reported as a deadlock naming it.
 */
class DesModelTest {
    private static final ResolvedTopology BASE = Configs.resolveTopology(Configs.defaultRoot(), "h800-8x2-cx7");

    private static TimingCase random(final SplittableRandom rnd, final OpKind op) {
        final int nodes = 1 + rnd.nextInt(3);
        final int gpus = 2 + rnd.nextInt(7);
        final Topology shape = new Topology(nodes, gpus);
        final int ranks = shape.ranks();
        final int experts = ranks * (1 + rnd.nextInt(4));
        final int k = 1 + rnd.nextInt(Math.min(8, experts));
        final int tokens = 16 + rnd.nextInt(400);
        final int hidden = 128 * (1 + rnd.nextInt(16));
        final boolean ll = op == OpKind.LL_DISPATCH || op == OpKind.LL_COMBINE;
        final List<HostTensor> topk = topk(rnd, ranks, tokens, k, experts);
        final ResolvedTopology hw = dev.ep4j.sim.timing.Study.withNodes(BASE, nodes);
        final boolean dispatch = op == OpKind.DISPATCH || op == OpKind.LL_DISPATCH;
        if (ll) {
            return new TimingCase(hw, shape, op, null, hidden, k, dispatch, false, null,
                LowLatencyTraffic.of(shape, experts, topk), tokens);
        }
        final int sms = 2 * (1 + rnd.nextInt(12));
        final int nvlChunk = 1 + rnd.nextInt(8);
        final int sub = nodes * (nvlChunk + 1 + rnd.nextInt(16));
        final int rdmaChunk = Math.max(1, 24 / Math.max(nodes, 1)) + rnd.nextInt(8);
        final KernelConfig cfg = new KernelConfig(sms, nvlChunk, Math.max(sub, nvlChunk + 1), rdmaChunk,
            2 * rdmaChunk + rnd.nextInt(64));
        return new TimingCase(hw, shape, op, cfg, hidden, k, dispatch && rnd.nextBoolean(), false,
            Traffic.of(shape, cfg.channels(), experts, topk), null, 0);
    }

    private static List<HostTensor> topk(final SplittableRandom rnd, final int ranks, final int tokens, final int k,
        final int experts) {
        final List<HostTensor> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            final HostTensor t = HostTensor.zeros(DType.INT64, tokens, k);
            for (int i = 0; i < tokens; i++) {
                final int first = rnd.nextInt(experts);
                for (int j = 0; j < k; j++) {
                    // distinct experts per token; a few dropped selections (-1)
                    t.setLong((long) i * k + j, rnd.nextInt(20) == 0 ? -1 : (first + j) % experts);
                }
            }
            out.add(t);
        }
        return out;
    }

    @Test
    void shouldNeverBeatTheBoundAndShouldDrainEveryRingWithinItsCapacity() {
        final SplittableRandom rnd = new SplittableRandom(20261123);
        final DesModel des = new DesModel();
        int checked = 0;
        for (int i = 0; i < 48; i++) {
            final OpKind op = OpKind.values()[i % OpKind.values().length];
            final TimingCase c = random(rnd, op);
            final double bound = AnalyticalModel.bound(c).boundUs();
            final TimingResult r = des.predict(c);
            assertThat(r.timeUs()).as("case %d %s on %s", i, op, c.shape()).isGreaterThanOrEqualTo(bound - 1e-6);
            assertThat(r.model()).isEqualTo(TimingModels.DES);
            final Pipeline p = DesModel.simulate(c);
            for (final Ring ring : p.rings()) {
                assertThat(ring.maxOccupancy()).as(ring.name()).isLessThanOrEqualTo(ring.capacity());
                assertThat(ring.published()).as(ring.name()).isEqualTo(ring.expected());
                assertThat(ring.tailSeen()).as(ring.name()).isEqualTo(ring.expected());
            }
            checked++;
        }
        assertThat(checked).isEqualTo(48);
    }

    @Test
    void shouldGiveIdenticalResultsForIdenticalCases() {
        final TimingCase c = random(new SplittableRandom(7), OpKind.DISPATCH);
        final TimingResult a = new DesModel().predict(c);
        final TimingResult b = new DesModel().predict(c);
        assertThat(b.timeUs()).isEqualTo(a.timeUs());
        assertThat(b.rankTimeUs()).isEqualTo(a.rankTimeUs());
        assertThat(b.events()).isEqualTo(a.events());
    }

    @Test
    void shouldSlowDownWhenTheRingsShrink() {
        final Topology shape = new Topology(1, 4);
        final List<HostTensor> topk = topk(new SplittableRandom(3), 4, 512, 4, 16);
        final double big = time(shape, new KernelConfig(8, 8, 256, 6, 128), topk);
        final double small = time(shape, new KernelConfig(8, 8, 9, 6, 128), topk);
        assertThat(small).isGreaterThan(big * 1.05);
    }

    private static double time(final Topology shape, final KernelConfig cfg, final List<HostTensor> topk) {
        return new DesModel().predict(new TimingCase(BASE, shape, OpKind.DISPATCH, cfg, 7168, 4, true, false,
            Traffic.of(shape, cfg.channels(), 16, topk), null, 0)).timeUs();
    }

    @Test
    void shouldReportARingTooSmallToProgressAsADeadlockNamingIt() {
        // internode combine splits each NVL ring per source node: 16 slots / 4 nodes = 4 < the 8-token chunk, a config
        // that KernelConfig.validateForInternodeCombine refuses; the timing model is handed it directly here
        final Topology shape = new Topology(4, 2);
        final KernelConfig cfg = new KernelConfig(4, 8, 16, 8, 32);
        final List<HostTensor> topk = topk(new SplittableRandom(5), 8, 256, 4, 16);
        final TimingCase c = new TimingCase(dev.ep4j.sim.timing.Study.withNodes(BASE, 4), shape, OpKind.COMBINE,
            cfg, 1024, 4, false, false, Traffic.of(shape, cfg.channels(), 16, topk), null, 0);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
            assertThatThrownBy(() -> new DesModel().predict(c))
                .isInstanceOfSatisfying(DeadlockException.class, e -> {
                    assertThat(e.ring()).startsWith("combine nvl ring rank ");
                    assertThat(e.getMessage()).contains("deadlock in normal combine", e.ring(),
                        "capacity 4 tokens", "waits for 8 free slots", "Fix:");
                }));
    }

    @Test
    void shouldKeepBytesAndTimesWhenChannelsAreSimulatedInGroups() {
        // 4 nodes x 8 GPUs, 12 channels: DesModel simulates them in 4 groups of 3
        final Topology shape = new Topology(4, 8);
        final KernelConfig cfg = new KernelConfig(24, 6, 256, 6, 128);
        final List<HostTensor> topk = topk(new SplittableRandom(11), 32, 384, 8, 128);
        final ResolvedTopology hw = dev.ep4j.sim.timing.Study.withNodes(BASE, 4);
        for (final OpKind op : List.of(OpKind.DISPATCH, OpKind.COMBINE)) {
            final TimingCase c = new TimingCase(hw, shape, op, cfg, 7168, 8, op == OpKind.DISPATCH, false,
                Traffic.of(shape, cfg.channels(), 128, topk), null, 0);
            assertThat(DesModel.channelGroup(c, DesModel.CHANNEL_RANKS)).isEqualTo(3);
            final Pipeline every = DesModel.simulate(c, 1, DesModel.COARSE_STEPS);
            final Pipeline grouped = DesModel.simulate(c, 3, DesModel.COARSE_STEPS);
            assertThat(grouped.rings()).hasSize(every.rings().size() / 3);
            long published = 0;
            for (final Ring ring : grouped.rings()) {
                assertThat(ring.maxOccupancy()).as(ring.name()).isLessThanOrEqualTo(ring.capacity());
                assertThat(ring.tailSeen()).as(ring.name()).isEqualTo(ring.expected());
                published += ring.published();
            }
            assertThat(published).as("tokens through the rings, %s", op)
                .isEqualTo(every.rings().stream().mapToLong(Ring::published).sum());
            final long a = max(every.rankEndPs());
            final long b = max(grouped.rankEndPs());
            assertThat((double) b).as("%s: grouped %d ps vs every channel %d ps", op, b, a)
                .isCloseTo(a, org.assertj.core.data.Percentage.withPercentage(5));
            assertThat(new DesModel().predict(c).timeUs()).isGreaterThanOrEqualTo(AnalyticalModel.bound(c).boundUs());
        }
    }

    @Test
    void shouldNotBeatTheBoundWhenGroupedChannelsAreSmBound() {
        // SMs 100x slower than the shipped profile: the busiest channel's SM is the bound, and a group of channels
        // must not finish sooner by sharing its SMs (the group's pool is sized to its busiest channel)
        final Topology shape = new Topology(4, 8);
        final ResolvedTopology base = dev.ep4j.sim.timing.Study.withNodes(BASE, 4);
        final ResolvedTopology slowSm = new ResolvedTopology(base.topology(),
            base.gpu().withSmCopyThroughputGBps(base.gpu().smCopyThroughputGBps() / 100), base.gpuPcie(), base.nic(),
            base.nicPcie());
        final SplittableRandom rnd = new SplittableRandom(13);
        for (int i = 0; i < 6; i++) {
            // uneven channels: T not a multiple of the channel count
            final int tokens = 100 + rnd.nextInt(300);
            final KernelConfig cfg = new KernelConfig(2 * (5 + rnd.nextInt(8)), 6, 256, 6, 128);
            final List<HostTensor> topk = topk(rnd, 32, tokens, 8, 128);
            final OpKind op = i % 2 == 0 ? OpKind.DISPATCH : OpKind.COMBINE;
            final TimingCase c = new TimingCase(slowSm, shape, op, cfg, 7168, 8, op == OpKind.DISPATCH, false,
                Traffic.of(shape, cfg.channels(), 128, topk), null, 0);
            assertThat(DesModel.channelGroup(c, DesModel.CHANNEL_RANKS)).isGreaterThan(1);
            final dev.ep4j.sim.timing.AnalyticalBound bound = AnalyticalModel.bound(c);
            assertThat(bound.bottleneck()).isEqualTo("sm");
            assertThat(new DesModel().predict(c).timeUs()).as("%s, %d tokens, %d SMs", op, tokens, cfg.numSms())
                .isGreaterThanOrEqualTo(bound.boundUs() - 1e-6);
        }
    }

    @Test
    void shouldTraceRanksAndUtilisationWithoutChangingThePrediction() {
        final SplittableRandom rnd = new SplittableRandom(17);
        for (final OpKind op : OpKind.values()) {
            final TimingCase c = random(rnd, op);
            final dev.ep4j.sim.timing.TraceRecorder rec = new dev.ep4j.sim.timing.TraceRecorder(1_000_000);
            final TimingResult traced = new DesModel().predict(c, rec);
            final TimingResult plain = new DesModel().predict(c);
            assertThat(traced.rankTimeUs()).as("%s", op).isEqualTo(plain.rankTimeUs());
            assertThat(traced.events()).isEqualTo(plain.events());
            final List<dev.ep4j.sim.timing.TraceRecorder.Event> events = rec.events();
            assertThat(events).filteredOn(e -> !e.counter() && e.name().equals("main"))
                .hasSize(c.shape().ranks());
            final List<dev.ep4j.sim.timing.TraceRecorder.Event> counters = events.stream()
                .filter(dev.ep4j.sim.timing.TraceRecorder.Event::counter).toList();
            assertThat(counters).as("%s", op).isNotEmpty()
                .allSatisfy(e -> assertThat(e.value()).isBetween(0.0, 1.0));
            // the busiest NVLink or RDMA port is busy at some point of the kernel
            assertThat(counters.stream().filter(e -> e.track().startsWith("nvlink ") || e.track().startsWith("rdma "))
                .mapToDouble(dev.ep4j.sim.timing.TraceRecorder.Event::value).max().orElse(0)).isGreaterThan(0.5);
        }
    }

    private static long max(final long[] values) {
        long m = 0;
        for (final long v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
