package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConservationAndBoundTest {
    @ParameterizedTest
    @ValueSource(longs = {101, 102, 103, 104, 105, 106, 107, 108, 109, 110})
    void shouldDeliverThroughEveryResourceExactlyTheBytesOfTheFlowsThatCrossIt(final long seed) {
        final RandomScenario sc = new RandomScenario(seed, 20, 300, false, false);
        final long[] expected = new long[sc.capacities.length];
        for (int f = 0; f < sc.paths.length; f++) {
            for (final int r : sc.paths[f]) {
                expected[r] += sc.bytes[f];
            }
        }
        final long[] lastSeen = new long[sc.capacities.length];
        final RandomScenario.Result res = sc.run(true, run -> {
            // Mid-run: counters (brought up to now) never decrease and never exceed the total.
            run.net.syncCounters();
            for (int r = 0; r < expected.length; r++) {
                final long d = run.net.bytesDelivered(r);
                assertThat(d).isBetween(lastSeen[r], expected[r]);
                lastSeen[r] = d;
            }
        });
        for (int r = 0; r < expected.length; r++) {
            assertThat(res.net.bytesDelivered(r)).as("resource %d", r).isEqualTo(expected[r]);
            assertThat(res.net.activeFlows(r)).isZero();
            assertThat(res.net.allocatedRate(r)).isZero();
        }
        long bottleneckTotal = 0;
        long flowTotal = 0;
        for (int r = 0; r < expected.length; r++) {
            bottleneckTotal += res.net.bottleneckBytes(r);
        }
        for (final long b : sc.bytes) {
            flowTotal += b;
        }
        // Every byte of every flow is attributed to exactly one bottleneck resource (whole bytes; fractions of a byte
        // per resource may round down).
        assertThat(bottleneckTotal).isBetween(flowTotal - expected.length, flowTotal);
        for (int f = 0; f < sc.paths.length; f++) {
            assertThat(res.arrivalPs[f]).isEqualTo(res.lastBytePs[f] + sc.latencyPs[f]);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216})
    void shouldNeverBeatTheAnalyticalBandwidthBound(final long seed) {
        final RandomScenario sc = new RandomScenario(seed, 4 + (int) (seed % 12), 50 + (int) (seed % 7) * 40, false,
            true);
        final BandwidthBound bound = new BandwidthBound(sc.capacities);
        for (int f = 0; f < sc.paths.length; f++) {
            for (final int r : sc.paths[f]) {
                bound.add(r, sc.bytes[f]);
            }
        }
        final RandomScenario.Result res = sc.run(true, null);
        long makespan = 0;
        for (final long t : res.lastBytePs) {
            makespan = Math.max(makespan, t);
        }
        assertThat(makespan).as("seed %d", seed).isGreaterThanOrEqualTo(bound.boundPs());
        // The bottleneck resource of the bound was busy the whole time (max-min is work-conserving on it).
        assertThat(res.net.busyPs(bound.bottleneck())).isLessThanOrEqualTo(makespan);
    }

    @Test
    void shouldMeetTheBoundWithinRoundingOnASingleSharedResource() {
        for (int n = 1; n <= 64; n++) {
            final Simulator sim = new Simulator();
            final Network net = new Network(sim);
            final long cap = 48_500_000_000L + n;
            final int r = net.addResource("nic", ResourceKind.NIC_TX, cap);
            final Path p = net.path(r);
            final BandwidthBound bound = new BandwidthBound(net.capacities());
            final long[] last = {0};
            final EventHandler rec = (a, b) -> last[0] = Math.max(last[0], sim.nowPs());
            for (int i = 0; i < n; i++) {
                final long bytes = 7_168L * (1 + (i * 7919L) % 97);
                bound.add(r, bytes);
                net.startFlow(p, bytes, 0L, rec, i, 0);
            }
            sim.runUntilIdle();
            assertThat(last[0]).isGreaterThanOrEqualTo(bound.boundPs())
                .isLessThanOrEqualTo(bound.boundPs() + bound.boundPs() / 1_000_000 + n);
        }
    }

    @Test
    void shouldComputeTheBoundAsTheSlowestResource() {
        final BandwidthBound b = new BandwidthBound(new long[] {100, 50, 1_000});
        assertThat(b.boundPs()).isZero();
        assertThat(b.bottleneck()).isEqualTo(-1);
        b.add(0, 150);   // 1.5 s
        b.add(1, 100);   // 2 s
        b.add(2, 999);   // 0.999 s
        assertThat(b.boundPs()).isEqualTo(2 * Durations.PS_PER_SECOND);
        assertThat(b.bottleneck()).isEqualTo(1);
        assertThat(BandwidthBound.boundPs(new long[] {1, 0}, new long[] {3, 1})).isEqualTo(333_333_333_334L);
    }
}
