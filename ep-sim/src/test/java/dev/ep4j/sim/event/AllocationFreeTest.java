package dev.ep4j.sim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class AllocationFreeTest {
    /** Hold model: every event schedules the next one. */
    private static final class Hold implements EventHandler {
        final Simulator sim;
        long state = 0x9E3779B97F4A7C15L;

        Hold(final Simulator sim) {
            this.sim = sim;
        }

        @Override
        public void onEvent(final long arg0, final long arg1) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            final long h = sim.scheduleAfter((state >>> 40) & 0xFFFF, (int) (state & 3), this, arg0, arg1);
            if ((state & 15) == 0) {
                sim.reschedule(h, sim.nowPs() + 7);
            }
        }
    }

    @Test
    void shouldNotAllocatePerEventOnceWarm() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        final com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(hs.isThreadAllocatedMemorySupported() && hs.isThreadAllocatedMemoryEnabled(),
            "thread allocation counting is off");
        final Simulator sim = new Simulator();
        final Hold hold = new Hold(sim);
        for (int i = 0; i < 10_000; i++) {
            sim.schedule(i, 0, hold, i, 0);
        }
        sim.setEventBudget(Long.MAX_VALUE);
        for (int i = 0; i < 50; i++) {
            sim.runUntil(sim.nowPs() + 100_000);    // warm up, let the pools reach their peak
        }
        final long tid = Thread.currentThread().getId();
        final long before = hs.getThreadAllocatedBytes(tid);
        final long events = sim.runUntil(sim.nowPs() + 4_000_000);
        final long allocated = hs.getThreadAllocatedBytes(tid) - before;
        assertThat(events).isGreaterThan(500_000);
        // A per-event object would cost >= 16 bytes per event; what remains is amortized array growth to new
        // high-water marks (the calendar's buckets), well under one byte per event.
        assertThat(allocated).as("bytes allocated over %d events", events).isLessThan(events);
    }
}
