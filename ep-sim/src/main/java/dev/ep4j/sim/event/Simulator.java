package dev.ep4j.sim.event;

import dev.ep4j.api.error.SimulationException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The discrete-event loop: virtual time in {@code long} picoseconds, events totally ordered by
 * (time, {@linkplain EventClass class}, sequence), where the sequence is a counter of <em>this</em> simulator
 * (never a JVM-global one), so two simulators in one JVM are independent and every run is reproducible.
 *
 * <p>An event is a handler plus two {@code long} arguments, stored in parallel arrays indexed by a pooled slot; the
 * calendar ({@link EventQueue}, by default a {@link RadixEventQueue}) holds only primitive keys. Scheduling,
 * firing, cancelling and rescheduling allocate nothing once the pools have grown to the run's peak.
 *
 * <p>An event handle is a {@code long} (slot in the low 32 bits, the slot's generation above), so a stale handle
 * (its event fired or was cancelled, its slot reused) is recognised: {@link #cancel}, {@link #reschedule} and
 * {@link #isPending} then return {@code false}.
 *
 * <p>Guards end a stuck model in bounded time with a {@link SimulationException} that names the simulated time and
 * the event: an event budget (total events), a simulated-time limit, a limit on events at one picosecond (a
 * zero-delay livelock), and an optional wall-clock limit read from an injected clock (never used for simulation
 * logic). When a guard trips, the offending event stays queued, so a caller may raise the limit and continue.
 *
 * <pre>{@code
 * Simulator sim = new Simulator();
 * EventHandler tick = new EventHandler() {
 *     public void onEvent(long n, long unused) {
 *         if (n < 3) {
 *             sim.scheduleAfter(Durations.PS_PER_US, EventClass.DEFAULT, this, n + 1, 0L);
 *         }
 *     }
 * };
 * sim.schedule(0L, EventClass.DEFAULT, tick, 0L, 0L);
 * sim.runUntilIdle();            // 4 events; nowPs() == 3_000_000 (3 us)
 * }</pre>
 *
 * <p>Thread safety: not thread-safe; one simulator runs on one thread (parallelism is across independent runs).
 */
public final class Simulator implements SimClock {
    /** Value meaning "no event"; never a valid handle. */
    public static final long NO_EVENT = -1L;
    /** Default {@linkplain #setEventBudget event budget}: 2^31 events (minutes of wall time). */
    public static final long DEFAULT_EVENT_BUDGET = 1L << 31;
    /** Default {@linkplain #setSameTimeEventLimit limit on events at one picosecond}. */
    public static final long DEFAULT_SAME_TIME_LIMIT = 100_000_000L;

    private static final int SEQ_BITS = 55;
    private static final long SEQ_LIMIT = 1L << SEQ_BITS;
    private static final int WALL_CHECK_MASK = 0xFFF;
    private static final int SLOT_STRIDE = 4;
    private static final long GEN_MASK = 0x7FFF_FFFF_0000_0000L;
    private static final long GEN_ONE = 1L << 32;

    private final EventQueue queue;

    /** Per slot, stride 4: arg0, arg1, meta = generation << 32 | class, next free slot. */
    private long[] slots;
    /** Per slot: the handler (not cleared on free: handlers are long-lived model components). */
    private EventHandler[] handlers;
    private int freeHead = -1;
    private int highWater;

    private long now;
    private long seq;
    private long executed;
    private long sameTime;
    private boolean inHandler;
    private boolean stopRequested;

    private long eventBudget = DEFAULT_EVENT_BUDGET;
    private long timeLimitPs = Long.MAX_VALUE;
    private long sameTimeLimit = DEFAULT_SAME_TIME_LIMIT;
    private LongSupplier wallClockNanos;
    private long wallLimitNanos;
    private long wallStartNanos;

    /** Creates a simulator at time 0 with a {@link RadixEventQueue} calendar. */
    public Simulator() {
        this(new RadixEventQueue(256), 256);
    }

    /**
     * Creates a simulator at time 0.
     *
     * @param queue           the calendar, empty; owned by this simulator from now on.
     * @param initialCapacity pending events to reserve room for, {@code >= 1}; the pools double when full.
     */
    public Simulator(final EventQueue queue, final int initialCapacity) {
        this.queue = Objects.requireNonNull(queue, "queue");
        if (queue.size() != 0) {
            throw new IllegalArgumentException("queue must be empty: size=" + queue.size());
        }
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("initialCapacity must be >= 1: " + initialCapacity);
        }
        slots = new long[SLOT_STRIDE * initialCapacity];
        handlers = new EventHandler[initialCapacity];
    }

    @Override
    public long nowPs() {
        return now;
    }

    /**
     * @return events fired so far.
     */
    public long eventsExecuted() {
        return executed;
    }

    /**
     * @return events scheduled (or rescheduled) so far: the next sequence number.
     */
    public long sequence() {
        return seq;
    }

    /**
     * @return events waiting in the calendar.
     */
    public int pendingEvents() {
        return queue.size();
    }

    /**
     * @return time of the next event in picoseconds, or {@link Long#MAX_VALUE} when none is pending.
     */
    public long nextEventTimePs() {
        return queue.size() == 0 ? Long.MAX_VALUE : queue.minTime();
    }

    /**
     * Schedules an event.
     *
     * @param timePs     absolute time in picoseconds, {@code >= nowPs()}.
     * @param eventClass class in {@code [0, }{@link EventClass#MAX}{@code ]}; lower runs first at equal times.
     * @param handler    receives the event.
     * @param arg0       first argument passed to the handler.
     * @param arg1       second argument passed to the handler.
     * @return the event's handle, for {@link #cancel} and {@link #reschedule}.
     * @throws SimulationException if {@code timePs} is in the past.
     */
    public long schedule(final long timePs, final int eventClass, final EventHandler handler, final long arg0,
                         final long arg1) {
        if (timePs < now) {
            throw new SimulationException("cannot schedule an event in the past: timePs=" + timePs + " < now="
                + now + " ps (class=" + eventClass + ", handler=" + handler + ", arg0=" + arg0 + ", arg1=" + arg1
                + ")");
        }
        if ((eventClass & ~EventClass.MAX) != 0) {
            throw new IllegalArgumentException("eventClass must be in [0, " + EventClass.MAX + "]: " + eventClass);
        }
        if (handler == null) {
            throw new NullPointerException("handler");
        }
        final int slot = allocSlot();
        final long[] d = slots;
        final int i = SLOT_STRIDE * slot;
        final long gen = d[i + 2] & GEN_MASK;
        d[i] = arg0;
        d[i + 1] = arg1;
        d[i + 2] = gen | eventClass;
        handlers[slot] = handler;
        queue.add(slot, timePs, nextTie(eventClass));
        return gen | slot;
    }

    /**
     * Schedules an event {@code delayPs} after now.
     *
     * @param delayPs    delay in picoseconds, {@code >= 0}.
     * @param eventClass class in {@code [0, }{@link EventClass#MAX}{@code ]}.
     * @param handler    receives the event.
     * @param arg0       first argument passed to the handler.
     * @param arg1       second argument passed to the handler.
     * @return the event's handle.
     */
    public long scheduleAfter(final long delayPs, final int eventClass, final EventHandler handler, final long arg0,
                              final long arg1) {
        if (delayPs < 0L) {
            throw new IllegalArgumentException("delayPs must be >= 0: " + delayPs);
        }
        return schedule(Math.addExact(now, delayPs), eventClass, handler, arg0, arg1);
    }

    /**
     * Cancels a pending event.
     *
     * @param handle a handle from {@link #schedule}; stale handles are ignored.
     * @return {@code true} if the event was pending and is now cancelled.
     */
    public boolean cancel(final long handle) {
        final int slot = pendingSlot(handle);
        if (slot < 0) {
            return false;
        }
        queue.remove(slot);
        freeSlot(slot);
        return true;
    }

    /**
     * Moves a pending event to a new time. It takes a fresh sequence number, so among events of its time and class
     * it now runs after those already scheduled (exactly as if it were cancelled and scheduled again).
     *
     * @param handle a handle from {@link #schedule}; stale handles are ignored.
     * @param timePs new absolute time in picoseconds, {@code >= nowPs()}.
     * @return {@code true} if the event was pending and was moved.
     * @throws SimulationException if {@code timePs} is in the past.
     */
    public boolean reschedule(final long handle, final long timePs) {
        final int slot = pendingSlot(handle);
        if (slot < 0) {
            return false;
        }
        if (timePs < now) {
            throw new SimulationException("cannot reschedule an event into the past: timePs=" + timePs + " < now="
                + now + " ps (" + describe(slot) + ")");
        }
        queue.update(slot, timePs, nextTie((int) slots[SLOT_STRIDE * slot + 2]));
        return true;
    }

    /**
     * @param handle a handle from {@link #schedule}.
     * @return whether that event is still waiting to fire.
     */
    public boolean isPending(final long handle) {
        return pendingSlot(handle) >= 0;
    }

    /**
     * @param handle a handle of a pending event.
     * @return the time the event will fire, in picoseconds.
     * @throws IllegalStateException if the event is not pending.
     */
    public long timeOf(final long handle) {
        final int slot = pendingSlot(handle);
        if (slot < 0) {
            throw new IllegalStateException("event handle " + handle + " is not pending");
        }
        return queue.timeOf(slot);
    }

    /**
     * Fires the next event, if any.
     *
     * @return {@code false} if no event was pending.
     * @throws SimulationException if a guard trips or the handler throws (the cause is attached).
     */
    public boolean step() {
        checkNotReentrant("step");
        if (queue.size() == 0) {
            return false;
        }
        fire();
        return true;
    }

    /**
     * Fires every event with time {@code <= timePs}, in order, then advances the clock to {@code timePs} (unless
     * {@link #stop()} was called, which leaves the clock at the last event).
     *
     * @param timePs horizon in picoseconds, {@code >= nowPs()}.
     * @return number of events fired.
     */
    public long runUntil(final long timePs) {
        checkNotReentrant("runUntil");
        if (timePs < now) {
            throw new IllegalArgumentException("runUntil(" + timePs + ") is before now=" + now + " ps");
        }
        stopRequested = false;
        startWallGuard();
        final long before = executed;
        while (!stopRequested && queue.size() != 0 && queue.minTime() <= timePs) {
            fire();
        }
        if (!stopRequested) {
            now = timePs;
        }
        return executed - before;
    }

    /**
     * Fires events until none is pending or {@link #stop()} is called. The clock stays at the last event.
     *
     * @return number of events fired.
     */
    public long runUntilIdle() {
        checkNotReentrant("runUntilIdle");
        stopRequested = false;
        startWallGuard();
        final long before = executed;
        while (!stopRequested && queue.size() != 0) {
            fire();
        }
        return executed - before;
    }

    /** Makes the running {@code runUntil}/{@code runUntilIdle} return after the current event. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * Limits the total number of events this simulator may fire.
     *
     * @param maxEvents events, {@code >= 1}.
     */
    public void setEventBudget(final long maxEvents) {
        if (maxEvents < 1L) {
            throw new IllegalArgumentException("maxEvents must be >= 1: " + maxEvents);
        }
        eventBudget = maxEvents;
    }

    /**
     * Makes firing an event later than {@code maxTimePs} an error (a model that runs away in simulated time).
     *
     * @param maxTimePs the last legal event time in picoseconds.
     */
    public void setTimeLimitPs(final long maxTimePs) {
        timeLimitPs = maxTimePs;
    }

    /**
     * Limits the events fired at one picosecond (catches zero-delay livelocks such as a poller re-polling at the same
     * time).
     *
     * @param maxEvents events per picosecond, {@code >= 1}.
     */
    public void setSameTimeEventLimit(final long maxEvents) {
        if (maxEvents < 1L) {
            throw new IllegalArgumentException("maxEvents must be >= 1: " + maxEvents);
        }
        sameTimeLimit = maxEvents;
    }

    /**
     * Limits wall-clock time per {@code run…} call (checked every 4096 events). The clock is only read by this guard;
     * it never influences simulated results.
     *
     * @param nanoClock      wall clock in nanoseconds (for example {@code System::nanoTime}), or {@code null} to
     *                       disable the guard.
     * @param maxWallNanos   wall nanoseconds allowed per run call, {@code >= 1}.
     */
    public void setWallClockGuard(final LongSupplier nanoClock, final long maxWallNanos) {
        if (nanoClock != null && maxWallNanos < 1L) {
            throw new IllegalArgumentException("maxWallNanos must be >= 1: " + maxWallNanos);
        }
        wallClockNanos = nanoClock;
        wallLimitNanos = maxWallNanos;
        startWallGuard();
    }

    private void fire() {
        final long t = queue.minTime();
        final long same = t == now ? sameTime + 1L : 1L;
        if (executed >= eventBudget || t > timeLimitPs || same > sameTimeLimit
            || ((executed & WALL_CHECK_MASK) == 0L && wallClockNanos != null && wallExceeded())) {
            throw guardTripped(queue.minId(), t, same);
        }
        final int slot = queue.poll();
        now = t;
        sameTime = same;
        final EventHandler h = handlers[slot];
        final long[] d = slots;
        final int i = SLOT_STRIDE * slot;
        final long a0 = d[i];
        final long a1 = d[i + 1];
        final long meta = d[i + 2];
        d[i + 2] = (meta + GEN_ONE) & ~Long.MIN_VALUE;
        d[i + 3] = freeHead;
        freeHead = slot;
        executed++;
        inHandler = true;
        try {
            h.onEvent(a0, a1);
        } catch (final SimulationException e) {
            throw e;
        } catch (final RuntimeException e) {
            throw new SimulationException("event handler failed at t=" + t + " ps (class=" + (int) meta + ", handler="
                + h + ", arg0=" + a0 + ", arg1=" + a1 + "): " + e, e);
        } finally {
            inHandler = false;
        }
    }

    private boolean wallExceeded() {
        return wallClockNanos.getAsLong() - wallStartNanos > wallLimitNanos;
    }

    private SimulationException guardTripped(final int slot, final long t, final long same) {
        final String what;
        final String fix;
        if (executed >= eventBudget) {
            what = "event budget exhausted: " + executed + " events fired";
            fix = "the model may be stuck (a loop that schedules forever); if the run is legitimately this long, "
                + "raise it with setEventBudget";
        } else if (t > timeLimitPs) {
            what = "simulated time limit exceeded: next event at " + t + " ps > limit " + timeLimitPs + " ps";
            fix = "the model ran away in time; if the run is legitimately this long, raise setTimeLimitPs";
        } else if (same > sameTimeLimit) {
            what = "more than " + sameTimeLimit + " events at one picosecond";
            fix = "a zero-delay loop (a poller rescheduling itself at now?) never lets time advance; add a poll "
                + "interval or raise setSameTimeEventLimit";
        } else {
            what = "wall-clock limit of " + wallLimitNanos + " ns exceeded after " + executed + " events";
            fix = "the model is too slow or stuck; raise the limit in setWallClockGuard";
        }
        return new SimulationException(what + " at t=" + now + " ps; next event: " + describe(slot) + " at " + t
            + " ps; " + fix);
    }

    private String describe(final int slot) {
        final int i = SLOT_STRIDE * slot;
        return "class=" + (int) slots[i + 2] + ", handler=" + handlers[slot] + ", arg0=" + slots[i] + ", arg1="
            + slots[i + 1];
    }

    private void startWallGuard() {
        if (wallClockNanos != null) {
            wallStartNanos = wallClockNanos.getAsLong();
        }
    }

    private void checkNotReentrant(final String method) {
        if (inHandler) {
            throw new IllegalStateException(method + "() called from inside an event handler at t=" + now
                + " ps; handlers schedule events, the caller drives the loop");
        }
    }

    private long nextTie(final int eventClass) {
        final long s = seq++;
        if (s >= SEQ_LIMIT) {
            throw new SimulationException("sequence counter exhausted after " + s + " events at t=" + now + " ps");
        }
        return ((long) eventClass << SEQ_BITS) | s;
    }

    private int pendingSlot(final long handle) {
        if (handle < 0L) {
            return -1;
        }
        final int slot = (int) handle;
        if (slot < 0 || slot >= highWater || (slots[SLOT_STRIDE * slot + 2] & GEN_MASK) != (handle & GEN_MASK)
            || !queue.contains(slot)) {
            return -1;
        }
        return slot;
    }

    private int allocSlot() {
        final int slot = freeHead;
        if (slot >= 0) {
            freeHead = (int) slots[SLOT_STRIDE * slot + 3];
            return slot;
        }
        if (highWater == handlers.length) {
            grow();
        }
        return highWater++;
    }

    private void freeSlot(final int slot) {
        final int i = SLOT_STRIDE * slot;
        slots[i + 2] = (slots[i + 2] + GEN_ONE) & ~Long.MIN_VALUE;
        slots[i + 3] = freeHead;
        freeHead = slot;
    }

    private void grow() {
        final int n = handlers.length * 2;
        slots = Arrays.copyOf(slots, SLOT_STRIDE * n);
        handlers = Arrays.copyOf(handlers, n);
    }
}
