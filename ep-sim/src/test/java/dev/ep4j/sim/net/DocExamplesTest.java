package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worked examples in the package and class Javadoc, executed. */
class DocExamplesTest {
    @Test
    void eventPackageExample() {
        final Simulator sim = new Simulator();
        final List<Long> seen = new ArrayList<>();
        final EventHandler consumer = (chunk, unused) -> seen.add(sim.nowPs());
        final EventHandler producer = new EventHandler() {
            @Override
            public void onEvent(final long chunk, final long total) {
                sim.scheduleAfter(500_000L, EventClass.POLL, consumer, chunk, 0L);
                if (chunk + 1 < total) {
                    sim.scheduleAfter(2 * Durations.PS_PER_US, EventClass.DEFAULT, this, chunk + 1, total);
                }
            }
        };
        sim.schedule(0L, EventClass.DEFAULT, producer, 0L, 4L);
        sim.runUntilIdle();
        assertThat(seen).containsExactly(500_000L, 2_500_000L, 4_500_000L, 6_500_000L);
    }

    @Test
    void simulatorClassExample() {
        final Simulator sim = new Simulator();
        final EventHandler tick = new EventHandler() {
            @Override
            public void onEvent(final long n, final long unused) {
                if (n < 3) {
                    sim.scheduleAfter(Durations.PS_PER_US, EventClass.DEFAULT, this, n + 1, 0L);
                }
            }
        };
        sim.schedule(0L, EventClass.DEFAULT, tick, 0L, 0L);
        assertThat(sim.runUntilIdle()).isEqualTo(4);
        assertThat(sim.nowPs()).isEqualTo(3_000_000L);
    }

    @Test
    void netPackageExample() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int sm = net.addResource("gpu0.sm3", ResourceKind.SM_COPY, 20_000_000_000L);
        final int out = net.addResource("gpu0.nvl.out", ResourceKind.NVLINK_EGRESS, 160_000_000_000L);
        final int in = net.addResource("gpu1.nvl.in", ResourceKind.NVLINK_INGRESS, 160_000_000_000L);
        final Path p = net.path(sm, out, in);
        final long[] tail = {0, 0};
        final EventHandler onTail = (chunk, unused) -> {
            tail[0] = chunk + 1;
            tail[1] = sim.nowPs();
        };
        final EventHandler onData = new EventHandler() {
            @Override
            public void onEvent(final long chunk, final long total) {
                net.signal(500_000L, onTail, chunk, 0L);
                if (chunk + 1 < total) {
                    net.startFlow(p, 65_536L, 1_000_000L, this, chunk + 1, total);
                }
            }
        };
        net.startFlow(p, 65_536L, 1_000_000L, onData, 0L, 4L);
        sim.runUntilIdle();
        assertThat(Durations.transferPs(65_536L, 20_000_000_000L)).isEqualTo(3_276_800L);
        assertThat(tail).containsExactly(4L, 4 * 4_276_800L + 500_000L);
    }

    @Test
    void networkClassExample() {
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int fast = net.addResource("link", ResourceKind.FABRIC, 100_000_000_000L);
        final int slow = net.addResource("slow", ResourceKind.FABRIC, 20_000_000_000L);
        final Path pa = net.path(fast);
        final Path pb = net.path(fast, slow);
        final List<String> out = new ArrayList<>();
        final EventHandler done = (id, unused) -> out.add(id + " at " + sim.nowPs() + " ps");
        net.startFlow(pa, 1_000_000L, Durations.PS_PER_US, done, 1L, 0L);
        net.startFlow(pb, 1_000_000L, Durations.PS_PER_US, done, 2L, 0L);
        sim.runUntilIdle();
        assertThat(out).containsExactly("1 at 13500000 ps", "2 at 51000000 ps");
    }
}
