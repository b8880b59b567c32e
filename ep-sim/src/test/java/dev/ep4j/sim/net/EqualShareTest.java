package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.QuaternaryEventHeap;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cheap sweep policy: rate = min over the path of floor(capacity / active flows). */
class EqualShareTest {
    private static final long GB = 1_000_000_000L;
    private static final long MB = 1_000_000L;

    @Test
    void shouldNotHandUnusedShareToOthersInTheAsymmetricParkingLot() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        net.setSharingPolicy(SharingPolicy.EQUAL_SHARE);
        final int l1 = net.addResource("L1", ResourceKind.FABRIC, 100 * GB);
        final int l2 = net.addResource("L2", ResourceKind.FABRIC, 100 * GB);
        final int l3 = net.addResource("L3", ResourceKind.FABRIC, 60 * GB);
        final long f0 = net.startFlow(net.path(l1, l2, l3), 3 * MB, 0, null, 0, 0);
        final long f1 = net.startFlow(net.path(l1), 7 * MB, 0, null, 1, 0);
        final long f3 = net.startFlow(net.path(l3), 3 * MB, 0, null, 3, 0);
        net.settle();
        // Max-min would give f1 70 GB/s; equal share gives it half of L1.
        assertThat(net.flowRate(f0)).isEqualTo(30 * GB);
        assertThat(net.flowRate(f1)).isEqualTo(50 * GB);
        assertThat(net.flowRate(f3)).isEqualTo(30 * GB);
        assertThat(net.flowBottleneck(f0)).isEqualTo(l3);
        assertThat(net.allocatedRate(l1)).isEqualTo(80 * GB);
        assertThat(net.allocatedRate(l2)).isEqualTo(30 * GB);
        assertThat(net.allocatedRate(l3)).isEqualTo(60 * GB);
        sim.runUntilIdle();
        assertThat(net.bytesDelivered(l1)).isEqualTo(10 * MB);
        assertThat(net.allocatedRate(l1)).isZero();
    }

    @Test
    void shouldEqualMaxMinOnSymmetricAllToAllUpToFloorRounding() {
        // 160 GB/s / 7 flows floors to 22_857_142_857 B/s, leaving 1 B/s per port. Max-min hands such leftovers to
        // the flows frozen last (a few end 1 ps earlier); equal share does not. Otherwise the runs are the same.
        final Map<Long, Long> equal = allToAll(SharingPolicy.EQUAL_SHARE);
        final Map<Long, Long> maxMin = allToAll(SharingPolicy.MAX_MIN);
        assertThat(equal.keySet()).isEqualTo(maxMin.keySet());
        for (final Map.Entry<Long, Long> e : equal.entrySet()) {
            assertThat(e.getValue()).as("flow %d", e.getKey()).isBetween(maxMin.get(e.getKey()),
                maxMin.get(e.getKey()) + 1L);
        }
        assertThat(equal.values()).containsOnly(87_500_001L);   // ceil(2 MB / 22_857_142_857 B/s)
    }

    /** 8 GPUs, each sends 2 MB to each other GPU through its egress and the peer's ingress; last-byte times. */
    private static Map<Long, Long> allToAll(final SharingPolicy policy) {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        net.setSharingPolicy(policy);
        final int gpus = 8;
        final int[] out = new int[gpus];
        final int[] in = new int[gpus];
        for (int g = 0; g < gpus; g++) {
            out[g] = net.addResource("out" + g, ResourceKind.NVLINK_EGRESS, 160 * GB);
            in[g] = net.addResource("in" + g, ResourceKind.NVLINK_INGRESS, 160 * GB);
        }
        final Map<Long, Long> done = new HashMap<>();
        final EventHandler rec = (id, unused) -> done.put(id, sim.nowPs());
        for (int s = 0; s < gpus; s++) {
            for (int d = 0; d < gpus; d++) {
                if (s != d) {
                    net.startFlow(net.path(out[s], in[d]), 2 * MB, 0, rec, s * gpus + d, 0);
                }
            }
        }
        sim.runUntilIdle();
        assertThat(done).hasSize(gpus * (gpus - 1));
        return done;
    }

    @ParameterizedTest
    @ValueSource(longs = {31, 32, 33, 34, 35, 36, 37, 38})
    void shouldMatchTheFormulaStayBelowMaxMinAndAgreeWithGlobalRecomputation(final long seed) {
        final RandomScenario sc = new RandomScenario(seed, 10 + (int) (seed % 4) * 6, 150, true, false);
        final int[] checks = {0};
        final RandomScenario.Result inc = sc.run(true, new Simulator(), SharingPolicy.EQUAL_SHARE, res -> {
            final List<int[]> paths = new ArrayList<>();
            final List<Long> handles = new ArrayList<>();
            for (int f = 0; f < sc.paths.length; f++) {
                final long h = res.handles[f];
                if (h != Network.NO_FLOW && res.net.isActive(h)) {
                    paths.add(sc.paths[f]);
                    handles.add(h);
                }
            }
            final int[] count = new int[sc.capacities.length];
            for (final int[] p : paths) {
                for (final int r : p) {
                    count[r]++;
                }
            }
            final long[] maxMin = ReferenceMaxMin.rates(sc.capacities, paths);
            final long[] allocated = new long[sc.capacities.length];
            for (int i = 0; i < handles.size(); i++) {
                long expected = Long.MAX_VALUE;
                for (final int r : paths.get(i)) {
                    expected = Math.min(expected, sc.capacities[r] / count[r]);
                }
                final long rate = res.net.flowRate(handles.get(i));
                assertThat(rate).isEqualTo(expected).isLessThanOrEqualTo(maxMin[i]);
                for (final int r : paths.get(i)) {
                    allocated[r] += rate;
                }
            }
            for (int r = 0; r < allocated.length; r++) {
                assertThat(res.net.allocatedRate(r)).isEqualTo(allocated[r]).isLessThanOrEqualTo(sc.capacities[r]);
            }
            checks[0]++;
        });
        assertThat(checks[0]).isGreaterThan(100);
        final RandomScenario.Result glob = sc.run(false, new Simulator(new QuaternaryEventHeap(), 64),
            SharingPolicy.EQUAL_SHARE, null);
        assertThat(inc.lastBytePs).isEqualTo(glob.lastBytePs);
        assertThat(inc.arrivalPs).isEqualTo(glob.arrivalPs);
        for (int r = 0; r < sc.capacities.length; r++) {
            assertThat(inc.net.bytesDelivered(r)).isEqualTo(glob.net.bytesDelivered(r));
        }
        // Only flows on changed resources were recomputed.
        assertThat(inc.net.settledFlowCount()).isLessThan(glob.net.settledFlowCount());
    }

    @ParameterizedTest
    @ValueSource(longs = {41, 42, 43, 44})
    void shouldConserveBytesAndNeverBeatTheBound(final long seed) {
        final RandomScenario sc = new RandomScenario(seed, 12, 200, false, true);
        final BandwidthBound bound = new BandwidthBound(sc.capacities);
        final long[] expected = new long[sc.capacities.length];
        for (int f = 0; f < sc.paths.length; f++) {
            for (final int r : sc.paths[f]) {
                bound.add(r, sc.bytes[f]);
                expected[r] += sc.bytes[f];
            }
        }
        final RandomScenario.Result res = sc.run(true, new Simulator(), SharingPolicy.EQUAL_SHARE, null);
        long makespan = 0;
        for (final long t : res.lastBytePs) {
            makespan = Math.max(makespan, t);
        }
        assertThat(makespan).isGreaterThanOrEqualTo(bound.boundPs());
        for (int r = 0; r < expected.length; r++) {
            assertThat(res.net.bytesDelivered(r)).isEqualTo(expected[r]);
        }
    }

    @Test
    void shouldRefuseToSwitchPolicyWithActiveFlows() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int r = net.addResource("r", ResourceKind.OTHER, 10L);
        net.startFlow(net.path(r), 5L, 0, null, 0, 0);
        assertThatThrownBy(() -> net.setSharingPolicy(SharingPolicy.EQUAL_SHARE))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("1 active flows");
        assertThat(net.sharingPolicy()).isEqualTo(SharingPolicy.MAX_MIN);
    }
}
