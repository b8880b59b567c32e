package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Canonical max-min cases, with expected rates and completion times worked out by hand. */
class MaxMinFairnessTest {
    private static final long GB = 1_000_000_000L;
    private static final long MB = 1_000_000L;

    private final Simulator sim = new Simulator();
    private final Network net = new Network(sim);
    private final Map<Long, Long> arrivals = new HashMap<>();
    private final EventHandler record = (id, unused) -> arrivals.put(id, sim.nowPs());

    @Test
    void shouldSplitOneLinkEvenlyBetweenTwoFlows() {
        final int link = net.addResource("link", ResourceKind.FABRIC, 100 * GB);
        final long a = net.startFlow(net.path(link), MB, 0, record, 1, 0);
        final long b = net.startFlow(net.path(link), MB, 0, record, 2, 0);
        net.settle();
        assertThat(net.flowRate(a)).isEqualTo(50 * GB);
        assertThat(net.flowRate(b)).isEqualTo(50 * GB);
        assertThat(net.allocatedRate(link)).isEqualTo(100 * GB);
        sim.runUntilIdle();
        // 1 MB at 50 GB/s = 20 us each.
        assertThat(arrivals).containsEntry(1L, 20_000_000L).containsEntry(2L, 20_000_000L);
    }

    @Test
    void shouldGiveEveryFlowHalfInTheSymmetricParkingLot() {
        // L1, L2, L3 of 100 GB/s; flow 0 crosses all three, flows 1..3 one link each: every link has two flows.
        final int[] l = {link("L1", 100), link("L2", 100), link("L3", 100)};
        final long f0 = net.startFlow(net.path(l[0], l[1], l[2]), MB, 0, record, 0, 0);
        final long[] f = new long[3];
        for (int i = 0; i < 3; i++) {
            f[i] = net.startFlow(net.path(l[i]), MB, 0, record, i + 1, 0);
        }
        net.settle();
        assertThat(net.flowRate(f0)).isEqualTo(50 * GB);
        for (final long x : f) {
            assertThat(net.flowRate(x)).isEqualTo(50 * GB);
        }
    }

    @Test
    void shouldFixTheNarrowLinkFirstInTheAsymmetricParkingLot() {
        // L3 is 60 GB/s: its share 30 < 50 of L1 and L2, so flows 0 and 3 get 30; flows 1 and 2 take the rest (70).
        final int l1 = link("L1", 100);
        final int l2 = link("L2", 100);
        final int l3 = link("L3", 60);
        final long f0 = net.startFlow(net.path(l1, l2, l3), 3 * MB, 0, record, 0, 0);
        final long f1 = net.startFlow(net.path(l1), 7 * MB, 0, record, 1, 0);
        final long f2 = net.startFlow(net.path(l2), 7 * MB, 0, record, 2, 0);
        final long f3 = net.startFlow(net.path(l3), 3 * MB, 0, record, 3, 0);
        net.settle();
        assertThat(net.flowRate(f0)).isEqualTo(30 * GB);
        assertThat(net.flowRate(f1)).isEqualTo(70 * GB);
        assertThat(net.flowRate(f2)).isEqualTo(70 * GB);
        assertThat(net.flowRate(f3)).isEqualTo(30 * GB);
        assertThat(net.flowBottleneck(f0)).isEqualTo(l3);
        assertThat(net.flowBottleneck(f3)).isEqualTo(l3);
        assertThat(net.flowBottleneck(f1)).isEqualTo(l1);
        assertThat(net.flowBottleneck(f2)).isEqualTo(l2);
        assertThat(net.allocatedRate(l1)).isEqualTo(100 * GB);
        assertThat(net.allocatedRate(l3)).isEqualTo(60 * GB);
        sim.runUntilIdle();
        // Every flow was sized to finish at 100 us: 3 MB / 30 GB/s = 7 MB / 70 GB/s = 100 us.
        assertThat(arrivals).containsOnly(Map.entry(0L, 100_000_000L), Map.entry(1L, 100_000_000L),
            Map.entry(2L, 100_000_000L), Map.entry(3L, 100_000_000L));
    }

    @Test
    void shouldLetAFlowLimitedElsewhereFreeCapacityForOthers() {
        // The worked example of Network's Javadoc: a alone on "fast" (100), b on fast and "slow" (20).
        final int fast = link("fast", 100);
        final int slow = link("slow", 20);
        final long a = net.startFlow(net.path(fast), MB, Durations.PS_PER_US, record, 1, 0);
        final long b = net.startFlow(net.path(fast, slow), MB, Durations.PS_PER_US, record, 2, 0);
        net.settle();
        assertThat(net.flowRate(b)).isEqualTo(20 * GB);
        assertThat(net.flowRate(a)).isEqualTo(80 * GB);
        sim.runUntilIdle();
        // a: 1 MB / 80 GB/s = 12.5 us, + 1 us. b stays at 20 GB/s (still bound by slow): 50 us, + 1 us.
        assertThat(arrivals).containsOnly(Map.entry(1L, 13_500_000L), Map.entry(2L, 51_000_000L));
    }

    @Test
    void shouldRecomputeRatesAsFlowsOfDifferentSizesFinish() {
        // One 120 GB/s link, flows of 1, 2 and 4 MB started together.
        // Phase 1: 3 flows at 40 GB/s. A (1 MB) ends at 1 MB / 40 GB/s = 25 us = 25_000_000 ps;
        //          B and C have moved 1 MB each (left: B 1 MB, C 3 MB).
        // Phase 2: 2 flows at 60 GB/s. B ends after ceil(10^6 * 10^12 / (6 * 10^10)) = ceil(16_666_666.67)
        //          = 16_666_667 ps, at 41_666_667 ps. C has then moved 6*10^10 * 16_666_667 ps
        //          = 1_000_000.02 bytes in phase 2 and has 1_999_999.98 bytes left.
        // Phase 3: C alone at 120 GB/s: ceil(1_999_999.98 * 10^12 / (1.2 * 10^11)) = ceil(16_666_666.5)
        //          = 16_666_667 ps, ending at 58_333_334 ps.
        final int link = link("link", 120);
        final long a = net.startFlow(net.path(link), MB, 0, record, 1, 0);
        final long b = net.startFlow(net.path(link), 2 * MB, 0, record, 2, 0);
        final long c = net.startFlow(net.path(link), 4 * MB, 0, record, 3, 0);
        net.settle();
        assertThat(net.flowRate(a)).isEqualTo(40 * GB);
        sim.runUntil(30_000_000L);
        assertThat(net.flowRate(b)).isEqualTo(60 * GB);
        assertThat(net.flowRate(c)).isEqualTo(60 * GB);
        sim.runUntil(50_000_000L);
        assertThat(net.flowRate(c)).isEqualTo(120 * GB);
        sim.runUntilIdle();
        assertThat(arrivals).containsOnly(Map.entry(1L, 25_000_000L), Map.entry(2L, 41_666_667L),
            Map.entry(3L, 58_333_334L));
        // Work-conserving: the last byte is exactly at the bandwidth bound ceil(7 MB / 120 GB/s).
        assertThat(Durations.transferPs(7 * MB, 120 * GB)).isEqualTo(58_333_334L);
        assertThat(net.bytesDelivered(link)).isEqualTo(7 * MB);
    }

    @Test
    void shouldFloorSharesSoRatesNeverExceedCapacity() {
        // 100 B/s among 3 flows: 33 each (1 B/s unallocated), never 33.33.
        final int link = net.addResource("tiny", ResourceKind.OTHER, 100L);
        final long[] f = new long[3];
        for (int i = 0; i < 3; i++) {
            f[i] = net.startFlow(net.path(link), 66L, 0, record, i, 0);
        }
        net.settle();
        for (final long x : f) {
            assertThat(net.flowRate(x)).isEqualTo(33L);
        }
        assertThat(net.allocatedRate(link)).isEqualTo(99L);
        sim.runUntilIdle();
        // 66 B at 33 B/s = exactly 2 s.
        assertThat(arrivals).containsOnly(Map.entry(0L, 2 * Durations.PS_PER_SECOND),
            Map.entry(1L, 2 * Durations.PS_PER_SECOND), Map.entry(2L, 2 * Durations.PS_PER_SECOND));
    }

    @Test
    void shouldGiveTheFreedBandwidthToTheSurvivorWhenAFlowIsCancelled() {
        // Two 1 MB flows at 50 GB/s; b is cancelled at 10 us, when a has moved 500 kB. a then runs at 100 GB/s and
        // needs 5 us more: it ends at 15 us.
        final int link = link("link", 100);
        final long a = net.startFlow(net.path(link), MB, 0, record, 1, 0);
        final long b = net.startFlow(net.path(link), MB, 0, record, 2, 0);
        sim.schedule(10_000_000L, 64, (x, y) -> assertThat(net.cancelFlow(b)).isTrue(), 0, 0);
        sim.runUntilIdle();
        assertThat(arrivals).containsOnly(Map.entry(1L, 15_000_000L));
        assertThat(net.cancelFlow(b)).isFalse();
        assertThat(net.isActive(a)).isFalse();
        assertThat(net.bytesDelivered(link)).isEqualTo(MB + 500_000L);
        assertThat(net.activeFlowCount()).isZero();
    }

    @Test
    void shouldApplyOversubscriptionToCapacity() {
        final int up = net.addResource(ResourceSpec.of("spine", ResourceKind.FABRIC, 100 * GB)
            .withOversubscription(4.0));
        assertThat(net.capacity(up)).isEqualTo(25 * GB);
        net.startFlow(net.path(up), MB, 0, record, 1, 0);
        sim.runUntilIdle();
        assertThat(arrivals).containsOnly(Map.entry(1L, 40_000_000L));
    }

    @Test
    void shouldSettleOncePerPicosecondHoweverManyFlowsStart() {
        final int link = link("link", 100);
        final Path p = net.path(link);
        sim.schedule(0, 64, (x, y) -> {
            for (int i = 0; i < 1_000; i++) {
                net.startFlow(p, MB, 0, record, i, 0);
            }
        }, 0, 0);
        sim.runUntilIdle();
        // All flows end together at 1000 MB / 100 GB/s = 10 ms: one settle at start, one at the end.
        assertThat(net.settleCount()).isEqualTo(2);
        assertThat(arrivals).hasSize(1_000).containsValue(10_000_000_000L);
        assertThat(arrivals.values()).containsOnly(10_000_000_000L);
    }

    private int link(final String name, final long gbPerSec) {
        return net.addResource(name, ResourceKind.FABRIC, gbPerSec * GB);
    }
}
