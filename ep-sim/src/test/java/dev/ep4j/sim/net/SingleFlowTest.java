package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SingleFlowTest {
    @Test
    void shouldFinishASingleFlowOnAnIdlePathAtExactlyTransferTimePlusLatency() {
        final SplittableRandom rnd = new SplittableRandom(17);
        for (int i = 0; i < 2_000; i++) {
            final Simulator sim = new Simulator();
            final Network net = new Network(sim);
            final int hops = 1 + rnd.nextInt(6);
            final int[] ids = new int[hops];
            long minCap = Long.MAX_VALUE;
            for (int h = 0; h < hops; h++) {
                final long cap = 1L + rnd.nextLong(1L << (1 + rnd.nextInt(44)));
                ids[h] = net.addResource("r" + h, ResourceKind.OTHER, cap);
                minCap = Math.min(minCap, cap);
            }
            final long bytes = rnd.nextLong(1L << (1 + rnd.nextInt(36)));
            final long latency = rnd.nextLong(5_000_000L);
            final long start = rnd.nextLong(1_000_000L);
            if (bytes / minCap > 1_000_000L) {
                continue;                      // over ~11 simulated days: beyond any run
            }
            final long expected = start + Durations.transferPs(bytes, minCap) + latency;
            final long[] arrived = {-1};
            final Path path = net.path(ids);
            sim.schedule(start, 0, (a0, a1) -> net.startFlow(path, bytes, latency,
                (x, y) -> arrived[0] = sim.nowPs(), 0, 0), 0, 0);
            sim.runUntilIdle();
            assertThat(arrived[0]).as("%d B over %d hops, min capacity %d B/s, latency %d ps", bytes, hops, minCap,
                latency).isEqualTo(expected);
            assertThat(net.activeFlowCount()).isZero();
        }
    }

    @Test
    void shouldMatchHandPickedValues() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int nic = net.addResource("nic-tx", ResourceKind.NIC_TX, 48_500_000_000L);
        final int pcie = net.addResource("pcie", ResourceKind.PCIE, 51_200_000_000L);
        final List<Long> times = new ArrayList<>();
        final EventHandler rec = (a0, a1) -> times.add(sim.nowPs());
        // 7168 B (one BF16 token of H=3584) at 48.5 GB/s: 147.793... ns -> 147_794 ps, + 2 us latency.
        net.startFlow(net.path(pcie, nic), 7_168L, 2 * Durations.PS_PER_US, rec, 0, 0);
        sim.runUntilIdle();
        // 1 GB at 48.5 GB/s (the 128-bit path): 20_618_556_701.03 ps -> 20_618_556_702 ps.
        net.startFlow(net.path(nic), 1_000_000_000L, 0L, rec, 0, 0);
        sim.runUntilIdle();
        assertThat(times).containsExactly(2_147_794L, 2_147_794L + 20_618_556_702L);
        assertThat(net.bytesDelivered(nic)).isEqualTo(1_000_007_168L);
        assertThat(net.bytesDelivered(pcie)).isEqualTo(7_168L);
        assertThat(net.busyPs(nic)).isEqualTo(147_794L + 20_618_556_702L);
        assertThat(net.busyPs(pcie)).isEqualTo(147_794L);
    }

    @Test
    void shouldDeliverAZeroByteFlowAfterItsLatencyWithoutTakingBandwidth() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int r = net.addResource("link", ResourceKind.OTHER, 1_000L);
        final long[] t = {-1};
        final long h = net.startFlow(net.path(r), 0L, 500L, (a0, a1) -> t[0] = sim.nowPs(), 0, 0);
        assertThat(net.isActive(h)).isFalse();
        sim.runUntilIdle();
        assertThat(t[0]).isEqualTo(500L);
        assertThat(net.busyPs(r)).isZero();
        assertThat(net.settleCount()).isZero();
    }

    @Test
    void shouldReportFlowStateWhileMoving() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int r = net.addResource("link", ResourceKind.NVLINK_EGRESS, 100_000_000_000L);
        final long f = net.startFlow(net.path(r), 1_000_000L, 0L, 77L, null, 0, 0);
        assertThat(net.flowRate(f)).isZero();          // not settled yet
        assertThat(net.flowEndPs(f)).isEqualTo(-1L);
        net.settle();
        assertThat(net.flowRate(f)).isEqualTo(100_000_000_000L);
        assertThat(net.flowEndPs(f)).isEqualTo(10_000_000L);
        assertThat(net.flowBottleneck(f)).isEqualTo(r);
        assertThat(net.flowTag(f)).isEqualTo(77L);
        assertThat(net.allocatedRate(r)).isEqualTo(100_000_000_000L);
        sim.runUntil(2_500_000L);
        assertThat(net.flowRemainingBytes(f)).isEqualTo(750_000L);
        assertThat(net.bytesDelivered(r)).isEqualTo(250_000L);
        sim.runUntilIdle();
        assertThat(net.isActive(f)).isFalse();
        assertThat(sim.nowPs()).isEqualTo(10_000_000L);
        assertThatThrownBy(() -> net.flowRate(f)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("is not active");
    }

    @Test
    void shouldRejectBadPathsAndArguments() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim, 2);
        final int a = net.addResource("a", ResourceKind.OTHER, 10L);
        final int b = net.addResource("b", ResourceKind.OTHER, 10L);
        final int c = net.addResource("c", ResourceKind.OTHER, 10L);
        assertThatThrownBy(() -> net.path(a, a)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("must not cross resource 0 ('a') twice");
        assertThatThrownBy(() -> net.path(a, b, c)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("raise maxHops");
        assertThatThrownBy(() -> net.path()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.path(5)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no resource 5");
        final Network other = new Network(sim);
        final Path foreign = other.path(other.addResource("x", ResourceKind.OTHER, 1L));
        assertThatThrownBy(() -> net.startFlow(foreign, 1L, 0L, null, 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this network's path");
        assertThatThrownBy(() -> net.startFlow(net.path(a), -1L, 0L, null, 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes=-1");
        assertThatThrownBy(() -> ResourceSpec.of("z", ResourceKind.OTHER, 0L))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resource 'z'");
        assertThatThrownBy(() -> ResourceSpec.of("z", ResourceKind.OTHER, 10L).withOversubscription(0.5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("oversubscription");
        assertThat(net.path(a, b)).hasToString("Path[a -> b]");
    }
}
