package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.sim.event.Simulator;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttributionTest {
    private static final long GB = 1_000_000_000L;
    private static final long MB = 1_000_000L;

    @Test
    void shouldAttributeEachFlowToTheResourceThatBoundMostOfItsBytes() {
        // X crosses A (100 GB/s) and B (60 GB/s); Y (1 MB) shares A only.
        // Phase 1: A's share 50 < B's 60, so X and Y run at 50 GB/s bound by A; Y ends at 20 us, X has moved 1 MB.
        // Phase 2: X alone: A offers 100, B 60, so X is bound by B for its last 3 MB (50 us more, ending at 70 us).
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int a = net.addResource("A", ResourceKind.NVLINK_EGRESS, 100 * GB);
        final int b = net.addResource("B", ResourceKind.NVLINK_INGRESS, 60 * GB);
        final Map<Long, long[]> seen = new HashMap<>();
        net.setFlowObserver((flow, tag, bytes, req, start, last, bn) -> seen.put(tag, new long[] {last, bn}));
        net.startFlow(net.path(a, b), 4 * MB, 0L, 1L, null, 0, 0);
        net.startFlow(net.path(a), MB, 0L, 2L, null, 0, 0);
        sim.runUntilIdle();
        assertThat(seen.get(2L)).containsExactly(20_000_000L, a);
        assertThat(seen.get(1L)).containsExactly(70_000_000L, b);
        assertThat(net.bottleneckBytes(a)).isEqualTo(2 * MB);
        assertThat(net.bottleneckBytes(b)).isEqualTo(3 * MB);
        assertThat(net.bytesDelivered(a)).isEqualTo(5 * MB);
        assertThat(net.bytesDelivered(b)).isEqualTo(4 * MB);
        assertThat(net.busyPs(a)).isEqualTo(70_000_000L);
    }
}
