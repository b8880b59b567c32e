package dev.ep4j.sim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.SimulationException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatorTest {
    /** Records (time, arg0) of every event it receives. */
    private static final class Recorder implements EventHandler {
        final Simulator sim;
        final List<String> log = new ArrayList<>();

        Recorder(final Simulator sim) {
            this.sim = sim;
        }

        @Override
        public void onEvent(final long arg0, final long arg1) {
            log.add(sim.nowPs() + ":" + arg0);
        }
    }

    @Test
    void shouldFireByTimeThenClassThenSchedulingOrder() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        sim.schedule(20, EventClass.DEFAULT, rec, 1, 0);
        sim.schedule(10, EventClass.POLL, rec, 2, 0);
        sim.schedule(10, EventClass.DATA_ARRIVAL, rec, 3, 0);
        sim.schedule(10, EventClass.POLL, rec, 4, 0);
        sim.schedule(10, EventClass.FLAG_VISIBLE, rec, 5, 0);
        sim.schedule(10, EventClass.DATA_ARRIVAL, rec, 6, 0);
        sim.schedule(5, EventClass.MAX, rec, 7, 0);
        assertThat(sim.runUntilIdle()).isEqualTo(7);
        assertThat(rec.log).containsExactly("5:7", "10:3", "10:6", "10:5", "10:2", "10:4", "20:1");
        assertThat(sim.nowPs()).isEqualTo(20);
        assertThat(sim.eventsExecuted()).isEqualTo(7);
    }

    @Test
    void shouldOrderEventsScheduledAtTheCurrentTimeFromAHandlerAfterEarlierOnesOfTheSameClass() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        final EventHandler spawner = (a0, a1) -> {
            sim.schedule(sim.nowPs(), EventClass.DEFAULT, rec, 100 + a0, 0);
            sim.schedule(sim.nowPs(), EventClass.DATA_ARRIVAL, rec, 200 + a0, 0);
        };
        sim.schedule(0, EventClass.DEFAULT, spawner, 1, 0);
        sim.schedule(0, EventClass.DEFAULT, rec, 2, 0);
        sim.runUntilIdle();
        // The data arrival scheduled "now" jumps ahead of the pending DEFAULT event (lower class); the DEFAULT one
        // queues behind event 2 (same time and class, later sequence).
        assertThat(rec.log).containsExactly("0:201", "0:2", "0:101");
    }

    @Test
    void shouldKeepSequencesPerSimulatorSoTwoSimulatorsDoNotInterfere() {
        final List<String> a = runInterleaved(true);
        final List<String> b = runInterleaved(false);
        assertThat(a).isEqualTo(b);
    }

    /** Runs the same schedule on one simulator, optionally interleaving calls on a second one. */
    private static List<String> runInterleaved(final boolean interleave) {
        final Simulator s1 = new Simulator();
        final Simulator s2 = new Simulator();
        final Recorder r1 = new Recorder(s1);
        final Recorder r2 = new Recorder(s2);
        final SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 1_000; i++) {
            final long t = rnd.nextLong(50);
            final int c = rnd.nextInt(3);
            final long other = rnd.nextLong(50);
            s1.schedule(t, c, r1, i, 0);
            if (interleave) {
                s2.schedule(s2.nowPs() + other, c, r2, i, 0);
                if (i % 3 == 0) {
                    s2.step();
                }
            }
        }
        s1.runUntilIdle();
        return r1.log;
    }

    @Test
    void shouldReproduceTheSameTraceForTheSameInputsWithEitherCalendar() {
        final List<String> trace = randomModelTrace(99, true);
        assertThat(trace).hasSizeGreaterThan(19_000).isEqualTo(randomModelTrace(99, true));
        // The order is total, so the calendar implementation cannot change it.
        assertThat(randomModelTrace(99, false)).isEqualTo(trace);
        assertThat(randomModelTrace(100, true)).isNotEqualTo(trace);
    }

    private static List<String> randomModelTrace(final long seed, final boolean radix) {
        final Simulator sim = radix ? new Simulator() : new Simulator(new QuaternaryEventHeap(), 16);
        final SplittableRandom rnd = new SplittableRandom(seed);
        final List<String> log = new ArrayList<>();
        final EventHandler h = new EventHandler() {
            @Override
            public void onEvent(final long arg0, final long arg1) {
                log.add(sim.nowPs() + ":" + arg0);
                if (log.size() + sim.pendingEvents() < 20_000) {
                    sim.scheduleAfter(rnd.nextLong(4), rnd.nextInt(4), this, arg0 * 31 + arg1, arg0);
                    sim.scheduleAfter(rnd.nextLong(4), rnd.nextInt(4), this, arg0 + 1, arg1);
                }
            }
        };
        sim.schedule(0, 0, h, 1, 1);
        sim.runUntilIdle();
        return log;
    }

    @Test
    void shouldCancelAndIgnoreStaleHandles() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        final long a = sim.schedule(10, 0, rec, 1, 0);
        final long b = sim.schedule(20, 0, rec, 2, 0);
        assertThat(sim.isPending(a)).isTrue();
        assertThat(sim.cancel(a)).isTrue();
        assertThat(sim.cancel(a)).isFalse();
        assertThat(sim.isPending(a)).isFalse();
        // The freed slot is reused by the next event; the old handle must not reach it.
        final long c = sim.schedule(30, 0, rec, 3, 0);
        assertThat((int) c).isEqualTo((int) a);
        assertThat(sim.cancel(a)).isFalse();
        assertThat(sim.reschedule(a, 40)).isFalse();
        assertThat(sim.isPending(c)).isTrue();
        sim.runUntilIdle();
        assertThat(rec.log).containsExactly("20:2", "30:3");
        assertThat(sim.cancel(b)).isFalse();
        assertThat(sim.cancel(Simulator.NO_EVENT)).isFalse();
    }

    @Test
    void shouldRescheduleEarlierAndLaterWithAFreshSequence() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        final long a = sim.schedule(10, 0, rec, 1, 0);
        sim.schedule(50, 0, rec, 2, 0);
        final long c = sim.schedule(60, 0, rec, 3, 0);
        assertThat(sim.reschedule(a, 50)).isTrue();   // same time and class as 2, now later in sequence
        assertThat(sim.reschedule(c, 5)).isTrue();
        assertThat(sim.timeOf(c)).isEqualTo(5);
        sim.runUntilIdle();
        assertThat(rec.log).containsExactly("5:3", "50:2", "50:1");
    }

    @Test
    void shouldRunUntilAHorizonAndAdvanceTheClockToIt() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        for (int i = 1; i <= 5; i++) {
            sim.schedule(i * 100L, 0, rec, i, 0);
        }
        assertThat(sim.runUntil(300)).isEqualTo(3);
        assertThat(sim.nowPs()).isEqualTo(300);
        assertThat(sim.nextEventTimePs()).isEqualTo(400);
        assertThat(sim.runUntil(350)).isZero();
        assertThat(sim.nowPs()).isEqualTo(350);
        assertThat(sim.step()).isTrue();
        assertThat(sim.nowPs()).isEqualTo(400);
        assertThat(sim.runUntilIdle()).isEqualTo(1);
        assertThat(sim.step()).isFalse();
        assertThat(sim.nextEventTimePs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldStopAfterTheCurrentEvent() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        sim.schedule(1, 0, rec, 1, 0);
        sim.schedule(2, 0, (a0, a1) -> sim.stop(), 0, 0);
        sim.schedule(3, 0, rec, 3, 0);
        assertThat(sim.runUntil(1_000)).isEqualTo(2);
        assertThat(sim.nowPs()).isEqualTo(2);
        assertThat(sim.runUntilIdle()).isEqualTo(1);
        assertThat(rec.log).containsExactly("1:1", "3:3");
    }

    @Test
    void shouldStopAStuckModelWithTheEventBudgetAndNameTimeAndEvent() {
        final Simulator sim = new Simulator();
        final EventHandler poller = new EventHandler() {
            @Override
            public void onEvent(final long arg0, final long arg1) {
                sim.scheduleAfter(1_000, EventClass.POLL, this, arg0, arg1 + 1);
            }

            @Override
            public String toString() {
                return "poller(ring 7)";
            }
        };
        sim.setEventBudget(10_000);
        sim.schedule(0, EventClass.POLL, poller, 7, 0);
        assertThatThrownBy(sim::runUntilIdle).isInstanceOf(SimulationException.class)
            .hasMessageContaining("event budget exhausted: 10000 events fired")
            .hasMessageContaining("at t=9999000 ps; next event: ").hasMessageContaining("at 10000000 ps")
            .hasMessageContaining("class=128, handler=poller(ring 7), arg0=7, arg1=10000")
            .hasMessageContaining("setEventBudget");
        // The event that tripped the guard is still queued: raising the budget continues the run.
        assertThat(sim.pendingEvents()).isEqualTo(1);
        sim.setEventBudget(10_005);
        assertThatThrownBy(sim::runUntilIdle).isInstanceOf(SimulationException.class);
        assertThat(sim.eventsExecuted()).isEqualTo(10_005);
    }

    @Test
    void shouldStopAZeroDelayLivelockWithTheSameTimeGuard() {
        final Simulator sim = new Simulator();
        final EventHandler spin = new EventHandler() {
            @Override
            public void onEvent(final long arg0, final long arg1) {
                sim.schedule(sim.nowPs(), EventClass.POLL, this, arg0, arg1);
            }
        };
        sim.setSameTimeEventLimit(1_000);
        sim.schedule(5_000, EventClass.POLL, spin, 1, 2);
        assertThatThrownBy(sim::runUntilIdle).isInstanceOf(SimulationException.class)
            .hasMessageContaining("more than 1000 events at one picosecond")
            .hasMessageContaining("at t=5000 ps");
        assertThat(sim.eventsExecuted()).isEqualTo(1_000);
    }

    @Test
    void shouldStopARunawayModelWithTheTimeLimitAndTheWallClockGuard() {
        final Simulator sim = new Simulator();
        final EventHandler tick = new EventHandler() {
            @Override
            public void onEvent(final long arg0, final long arg1) {
                sim.scheduleAfter(1_000_000, 0, this, 0, 0);
            }
        };
        sim.setTimeLimitPs(10_000_000);
        sim.schedule(0, 0, tick, 0, 0);
        assertThatThrownBy(sim::runUntilIdle).isInstanceOf(SimulationException.class)
            .hasMessageContaining("next event at 11000000 ps > limit 10000000 ps");

        final Simulator sim2 = new Simulator();
        final long[] fakeWall = {0};
        final EventHandler slow = new EventHandler() {
            @Override
            public void onEvent(final long arg0, final long arg1) {
                fakeWall[0] += 1_000;                       // every event "takes" 1 us of wall time
                sim2.scheduleAfter(1, 0, this, 0, 0);
            }
        };
        sim2.setWallClockGuard(() -> fakeWall[0], 10_000_000L);
        sim2.schedule(0, 0, slow, 0, 0);
        assertThatThrownBy(sim2::runUntilIdle).isInstanceOf(SimulationException.class)
            .hasMessageContaining("wall-clock limit of 10000000 ns exceeded");
        assertThat(sim2.eventsExecuted()).isBetween(10_000L, 10_000L + 4096L);
    }

    @Test
    void shouldWrapHandlerFailuresWithTimeAndEvent() {
        final Simulator sim = new Simulator();
        sim.schedule(42, EventClass.FLAG_VISIBLE, (a0, a1) -> {
            throw new IllegalStateException("ring 3 over-full");
        }, 3, 9);
        assertThatThrownBy(sim::runUntilIdle).isInstanceOf(SimulationException.class)
            .hasMessageContaining("t=42 ps").hasMessageContaining("class=32").hasMessageContaining("arg0=3, arg1=9")
            .hasMessageContaining("ring 3 over-full").hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectThePastBadClassesAndReentrantRuns() {
        final Simulator sim = new Simulator();
        final Recorder rec = new Recorder(sim);
        sim.schedule(100, 0, rec, 0, 0);
        sim.runUntilIdle();
        assertThatThrownBy(() -> sim.schedule(99, 0, rec, 0, 0)).isInstanceOf(SimulationException.class)
            .hasMessageContaining("timePs=99 < now=100 ps");
        assertThatThrownBy(() -> sim.schedule(100, 256, rec, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.schedule(100, -1, rec, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.scheduleAfter(-1, 0, rec, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.runUntil(50)).isInstanceOf(IllegalArgumentException.class);
        sim.schedule(200, 0, (a0, a1) -> sim.step(), 0, 0);
        assertThatThrownBy(sim::runUntilIdle).isInstanceOf(SimulationException.class)
            .hasRootCauseInstanceOf(IllegalStateException.class)
            .hasMessageContaining("step() called from inside an event handler");
    }

    @Test
    void shouldHoldManyPendingEventsAndFireThemInOrder() {
        holdManyPending(new Simulator(new QuaternaryEventHeap(1), 1));
        holdManyPending(new Simulator(new RadixEventQueue(1), 1));
    }

    private static void holdManyPending(final Simulator sim) {
        final SplittableRandom rnd = new SplittableRandom(1);
        final long[] last = {-1, -1};
        final EventHandler check = (a0, a1) -> {
            assertThat(sim.nowPs()).isGreaterThanOrEqualTo(last[0]);
            last[0] = sim.nowPs();
            last[1]++;
        };
        for (int i = 0; i < 100_000; i++) {
            sim.schedule(rnd.nextLong(1_000_000), 0, check, 0, 0);
        }
        assertThat(sim.pendingEvents()).isEqualTo(100_000);
        sim.runUntilIdle();
        assertThat(last[1]).isEqualTo(100_000 - 1);
    }
}
