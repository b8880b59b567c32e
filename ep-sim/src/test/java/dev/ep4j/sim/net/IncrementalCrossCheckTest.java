package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.sim.event.QuaternaryEventHeap;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomised cross-checks of the incremental (component-only) recomputation: against an independent from-scratch
 * solver at every settled picosecond, and against the network's own global mode over whole runs.
 */
class IncrementalCrossCheckTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void shouldMatchAFromScratchSolverAtEverySettledPicosecond(final long seed) {
        final RandomScenario sc = new RandomScenario(seed, 8 + (int) (seed % 5) * 6, 120, true, false);
        final int[] checks = {0};
        sc.run(true, res -> {
            final List<int[]> paths = new ArrayList<>();
            final List<Long> handles = new ArrayList<>();
            for (int f = 0; f < sc.paths.length; f++) {
                final long h = res.handles[f];
                if (h != Network.NO_FLOW && res.net.isActive(h)) {
                    paths.add(sc.paths[f]);
                    handles.add(h);
                }
            }
            final long[] expected = ReferenceMaxMin.rates(sc.capacities, paths);
            final long[] allocated = new long[sc.capacities.length];
            for (int i = 0; i < handles.size(); i++) {
                assertThat(res.net.flowRate(handles.get(i))).as("seed %d t=%d flow %d", seed, res.sim.nowPs(), i)
                    .isEqualTo(expected[i]);
                for (final int r : paths.get(i)) {
                    allocated[r] += expected[i];
                }
            }
            for (int r = 0; r < allocated.length; r++) {
                assertThat(res.net.allocatedRate(r)).isEqualTo(allocated[r]).isLessThanOrEqualTo(sc.capacities[r]);
                assertThat(res.net.activeFlows(r)).isEqualTo(countOn(paths, r));
            }
            checks[0]++;
        });
        assertThat(checks[0]).isGreaterThan(100);
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27, 28})
    void shouldGiveIdenticalRunsInIncrementalAndGlobalMode(final long seed) {
        final RandomScenario sc = new RandomScenario(seed, 30, 400, true, false);
        final RandomScenario.Result inc = sc.run(true, null);
        // Global recomputation on the other calendar: both axes changed, the run must not.
        final RandomScenario.Result glob = sc.run(false, new Simulator(new QuaternaryEventHeap(), 64), null);
        assertThat(inc.lastBytePs).isEqualTo(glob.lastBytePs);
        assertThat(inc.arrivalPs).isEqualTo(glob.arrivalPs);
        assertThat(inc.bottleneck).isEqualTo(glob.bottleneck);
        for (int r = 0; r < sc.capacities.length; r++) {
            assertThat(inc.net.bytesDelivered(r)).isEqualTo(glob.net.bytesDelivered(r));
            assertThat(inc.net.busyPs(r)).isEqualTo(glob.net.busyPs(r));
        }
        // The incremental mode touched fewer flows than the global one.
        assertThat(inc.net.settledFlowCount()).isLessThan(glob.net.settledFlowCount());
    }

    private static int countOn(final List<int[]> paths, final int r) {
        int n = 0;
        for (final int[] p : paths) {
            for (final int q : p) {
                if (q == r) {
                    n++;
                }
            }
        }
        return n;
    }
}
