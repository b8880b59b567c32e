package dev.ep4j.bench;

import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.EventQueue;
import dev.ep4j.sim.event.QuaternaryEventHeap;
import dev.ep4j.sim.event.RadixEventQueue;
import dev.ep4j.sim.event.Simulator;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hold model for the simulator's event core: {@code pending} events wait in the calendar; each operation fires the
 * earliest one, whose handler schedules one new event a uniformly random 0..2047 ps later, so the calendar size stays
 * constant. One benchmark operation = one event, so the reported ops/s are events/s.
 *
 * <ul>
 *   <li>{@code simulator}: the full {@link Simulator} loop (slot pool, handler dispatch, guards) on its default
 *       calendar, {@link RadixEventQueue}.</li>
 *   <li>{@code simulatorQuaternaryHeap}: the same loop on the alternative calendar, {@link QuaternaryEventHeap}.</li>
 *   <li>{@code bareRadix}, {@code bareHeap}: the calendars alone (poll + add), their share of the cost.</li>
 *   <li>{@code priorityQueue}: baseline, {@link java.util.PriorityQueue} of event objects keyed by (time, seq); the
 *       polled object is reused, so the baseline pays no allocation, only its comparator and object indirection.</li>
 * </ul>
 *
 * <p>Thread safety: JMH gives each thread its own state.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EventCoreBenchmark {
    private static final long SEED = 0x9E3779B97F4A7C15L;
    private static final long INCREMENT_MASK = 2047L;

    /** Xorshift64 step: the same cheap generator for every variant. */
    static long next(final long x) {
        long s = x;
        s ^= s << 13;
        s ^= s >>> 7;
        s ^= s << 17;
        return s;
    }

    /** The full simulator on the radix calendar, with a handler that reschedules itself. */
    @State(Scope.Thread)
    public static class SimState implements EventHandler {
        /** Events waiting in the calendar. */
        @Param({"1000", "100000"})
        public int pending;
        Simulator sim;
        long rnd = SEED;

        EventQueue calendar(final int capacity) {
            return new RadixEventQueue(capacity);
        }

        /** Fills the calendar. */
        @Setup(Level.Trial)
        public void setUp() {
            sim = new Simulator(calendar(pending), pending);
            sim.setEventBudget(Long.MAX_VALUE);
            for (int i = 0; i < pending; i++) {
                rnd = next(rnd);
                sim.schedule(rnd & (INCREMENT_MASK * 1024 - 1), 0, this, i, 0L);
            }
        }

        @Override
        public void onEvent(final long arg0, final long arg1) {
            rnd = next(rnd);
            sim.schedule(sim.nowPs() + (rnd & INCREMENT_MASK), 0, this, arg0, arg1);
        }
    }

    /** The full simulator on the 4-ary heap calendar. */
    @State(Scope.Thread)
    public static class SimHeapState extends SimState {
        @Override
        EventQueue calendar(final int capacity) {
            return new QuaternaryEventHeap(capacity);
        }
    }

    /** A calendar alone. */
    @State(Scope.Thread)
    public static class CalendarState {
        /** Events waiting in the calendar. */
        @Param({"1000", "100000"})
        public int pending;
        EventQueue queue;
        long seq;
        long rnd = SEED;

        EventQueue calendar(final int capacity) {
            return new RadixEventQueue(capacity);
        }

        /** Fills the calendar. */
        @Setup(Level.Trial)
        public void setUp() {
            queue = calendar(pending);
            for (int i = 0; i < pending; i++) {
                rnd = next(rnd);
                queue.add(i, rnd & (INCREMENT_MASK * 1024 - 1), seq++);
            }
        }
    }

    /** The 4-ary heap alone. */
    @State(Scope.Thread)
    public static class HeapState {
        /** Events waiting in the calendar. */
        @Param({"1000", "100000"})
        public int pending;
        QuaternaryEventHeap heap;
        long seq;
        long rnd = SEED;

        /** Fills the calendar. */
        @Setup(Level.Trial)
        public void setUp() {
            heap = new QuaternaryEventHeap(pending);
            for (int i = 0; i < pending; i++) {
                rnd = next(rnd);
                heap.add(i, rnd & (INCREMENT_MASK * 1024 - 1), seq++);
            }
        }
    }

    /** A mutable event for the PriorityQueue baseline. */
    static final class Ev implements Comparable<Ev> {
        long time;
        long seq;

        @Override
        public int compareTo(final Ev o) {
            final int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** java.util.PriorityQueue baseline. */
    @State(Scope.Thread)
    public static class PriorityQueueState {
        /** Events waiting in the calendar. */
        @Param({"1000", "100000"})
        public int pending;
        PriorityQueue<Ev> queue;
        long seq;
        long rnd = SEED;

        /** Fills the calendar. */
        @Setup(Level.Trial)
        public void setUp() {
            queue = new PriorityQueue<>(pending);
            for (int i = 0; i < pending; i++) {
                rnd = next(rnd);
                final Ev e = new Ev();
                e.time = rnd & (INCREMENT_MASK * 1024 - 1);
                e.seq = seq++;
                queue.add(e);
            }
        }
    }

    /**
     * @param s state.
     * @return the simulated time, so the work is not dead code.
     */
    @Benchmark
    public long simulator(final SimState s) {
        s.sim.step();
        return s.sim.nowPs();
    }

    /**
     * @param s state.
     * @return the simulated time.
     */
    @Benchmark
    public long simulatorQuaternaryHeap(final SimHeapState s) {
        s.sim.step();
        return s.sim.nowPs();
    }

    /**
     * @param s state.
     * @return the popped time.
     */
    @Benchmark
    public long bareRadix(final CalendarState s) {
        final EventQueue q = s.queue;
        final long t = q.minTime();
        final int id = q.poll();
        s.rnd = next(s.rnd);
        q.add(id, t + (s.rnd & INCREMENT_MASK), s.seq++);
        return t;
    }

    /**
     * @param s state.
     * @return the popped time.
     */
    @Benchmark
    public long bareHeap(final HeapState s) {
        final QuaternaryEventHeap heap = s.heap;
        final long t = heap.minTime();
        final int id = heap.poll();
        s.rnd = next(s.rnd);
        heap.add(id, t + (s.rnd & INCREMENT_MASK), s.seq++);
        return t;
    }

    /**
     * @param s state.
     * @return the popped time.
     */
    @Benchmark
    public long priorityQueue(final PriorityQueueState s) {
        final Ev e = s.queue.poll();
        final long t = e.time;
        s.rnd = next(s.rnd);
        e.time = t + (s.rnd & INCREMENT_MASK);
        e.seq = s.seq++;
        s.queue.add(e);
        return t;
    }
}
