package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageRateTest {
    @Test
    void shouldSpaceMessageIssueByTheExactInterval() {
        // 3 M msgs/s: interval 333_333.33 ps. Issues at ceil(k * 10^12 / 3e6): 0, 333_334, 666_667, 1_000_000, ...
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int nic = net.addResource(ResourceSpec.of("nic", ResourceKind.NIC_TX, 1_000_000_000_000L)
            .withMessageRate(3_000_000L));
        final List<long[]> seen = new ArrayList<>();
        net.setFlowObserver((flow, tag, bytes, req, start, last, bn) -> seen.add(new long[] {req, start, last}));
        final Path p = net.path(nic);
        final long[] h = new long[7];
        for (int i = 0; i < 7; i++) {
            h[i] = net.startFlow(p, 100L, 0L, null, i, 0);
        }
        assertThat(net.isActive(h[6])).isTrue();
        assertThat(net.flowRate(h[6])).isZero();      // waiting for its issue slot
        sim.runUntilIdle();
        final long[] expectedStart = {0, 333_334, 666_667, 1_000_000, 1_333_334, 1_666_667, 2_000_000};
        assertThat(seen).hasSize(7);
        for (int i = 0; i < 7; i++) {
            assertThat(seen.get(i)[0]).isZero();
            assertThat(seen.get(i)[1]).isEqualTo(expectedStart[i]);
            // 100 B at 1 TB/s = 100 ps, alone on the NIC.
            assertThat(seen.get(i)[2]).isEqualTo(expectedStart[i] + 100L);
        }
    }

    @Test
    void shouldReachMinOfCapacityAndSizeTimesMessageRate() {
        // 1 M msgs/s on a 50 GB/s NIC: 4 kB messages are rate-bound (4 GB/s), 1 MB messages bandwidth-bound.
        assertThat(throughput(4_096L)).isEqualTo(4_096L * 1_000_000L);
        assertThat((double) throughput(1_000_000L)).isCloseTo(50e9, org.assertj.core.data.Offset.offset(0.5e9));
    }

    /** Bytes/s achieved by 200 back-to-back messages of {@code size} (first issue to last byte). */
    private static long throughput(final long size) {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int nic = net.addResource(ResourceSpec.of("nic", ResourceKind.NIC_TX, 50_000_000_000L)
            .withMessageRate(1_000_000L));
        final Path p = net.path(nic);
        final long[] last = {0};
        net.setFlowObserver((flow, tag, bytes, req, start, lastByte, bn) -> last[0] = lastByte);
        for (int i = 0; i < 200; i++) {
            net.startFlow(p, size, 0L, null, i, 0);
        }
        sim.runUntilIdle();
        if (size * 1_000_000L < 50_000_000_000L) {
            // Rate-bound: 199 intervals of 1 us plus the last message's own transfer time.
            assertThat(last[0]).isEqualTo(199 * Durations.PS_PER_US + Durations.transferPs(size, 50_000_000_000L));
            return size * 1_000_000L;
        }
        return (long) (200.0 * size * Durations.PS_PER_SECOND / last[0]);
    }

    @Test
    void shouldNotCarryIssueCreditAcrossIdleTime() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int nic = net.addResource(ResourceSpec.of("nic", ResourceKind.NIC_TX, 1_000_000_000_000L)
            .withMessageRate(1_000_000L));
        final int other = net.addResource("pcie", ResourceKind.PCIE, 1_000_000_000_000L);
        final Path p = net.path(other, nic);
        final List<Long> starts = new ArrayList<>();
        net.setFlowObserver((flow, tag, bytes, req, start, last, bn) -> starts.add(start));
        net.startFlow(p, 10L, 0L, null, 0, 0);
        sim.runUntil(10 * Durations.PS_PER_US);
        net.startFlow(p, 10L, 0L, null, 0, 0);
        net.startFlow(p, 10L, 0L, null, 0, 0);
        net.startFlow(net.path(other), 10L, 0L, null, 0, 0);   // not rate-limited: starts at once
        sim.runUntilIdle();
        assertThat(starts).containsExactly(0L, 10_000_000L, 10_000_000L, 11_000_000L);
    }
}
