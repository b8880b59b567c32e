package dev.ep4j.sim.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class NetworkAllocationTest {
    @Test
    void shouldNotAllocatePerFlowOnceWarm() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        final com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(hs.isThreadAllocatedMemorySupported() && hs.isThreadAllocatedMemoryEnabled(),
            "thread allocation counting is off");
        // 8 "GPUs", each with an SM, egress and ingress; 64 channels keep one chunk in flight each; every arrival
        // sends the next chunk to the next peer (prebuilt paths).
        final Simulator sim = new Simulator();
        final Network net = new Network(sim);
        final int gpus = 8;
        final int[] egress = new int[gpus];
        final int[] ingress = new int[gpus];
        final int[] sm = new int[gpus];
        for (int g = 0; g < gpus; g++) {
            sm[g] = net.addResource("sm" + g, ResourceKind.SM_COPY, 20_000_000_000L);
            egress[g] = net.addResource("out" + g, ResourceKind.NVLINK_EGRESS, 160_000_000_000L);
            ingress[g] = net.addResource("in" + g, ResourceKind.NVLINK_INGRESS, 160_000_000_000L);
        }
        final Path[][] paths = new Path[gpus][gpus];
        for (int s = 0; s < gpus; s++) {
            for (int d = 0; d < gpus; d++) {
                paths[s][d] = s == d ? net.path(sm[s]) : net.path(sm[s], egress[s], ingress[d]);
            }
        }
        final EventHandler next = new EventHandler() {
            @Override
            public void onEvent(final long channel, final long step) {
                final int src = (int) (channel % gpus);
                final int dst = (int) ((channel + step + 1) % gpus);
                net.startFlow(paths[src][dst], 7_168L * (1 + step % 8), 1_000_000L, this, channel, step + 1);
            }
        };
        for (int c = 0; c < 64; c++) {
            next.onEvent(c, 0);
        }
        sim.setEventBudget(Long.MAX_VALUE);
        sim.runUntil(20_000_000_000L);       // warm up
        final long tid = Thread.currentThread().getId();
        final long before = hs.getThreadAllocatedBytes(tid);
        final long events = sim.runUntil(sim.nowPs() + 20_000_000_000L);
        final long allocated = hs.getThreadAllocatedBytes(tid) - before;
        assertThat(events).isGreaterThan(50_000);
        // A per-event object would cost >= 16 bytes per event; what remains is amortized array growth to new
        // high-water marks (the calendar's buckets), well under one byte per event.
        assertThat(allocated).as("bytes allocated over %d events", events).isLessThan(events);
    }
}
