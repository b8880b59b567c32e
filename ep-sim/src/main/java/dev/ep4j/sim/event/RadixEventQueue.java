package dev.ep4j.sim.event;

import java.util.Arrays;

/**
 * A radix heap on time with a binary heap on the tie for the current time: the default calendar. It exploits what a
 * discrete-event simulation guarantees: keys are non-negative and never smaller than the key last polled (time does
 * not go backwards).
 *
 * <p><b>Layout.</b> Let {@code base} be the time of the last polled entry. An entry with time {@code t > base} sits
 * in bucket {@code b = 64 - numberOfLeadingZeros(t ^ base)} (the position of the highest bit in which {@code t}
 * differs from {@code base}); buckets hold (time, tie, id) triples in one {@code long[]} each, appended in O(1).
 * Entries with {@code t == base} sit in a small binary heap ordered by tie. Bucket ranges increase with {@code b}, so
 * the lowest non-empty bucket holds the minimum. When the tie heap runs empty, {@code poll} finds the minimum time
 * {@code m} of the lowest non-empty bucket, makes it the new base and redistributes that bucket into lower buckets
 * (and the tie heap). An entry only ever moves to a lower bucket, so it moves at most 63 times in its life; in
 * practice a few times. Work is sequential appends and scans, which is why this beats a d-ary heap at 10^5 pending
 * events (whose sift paths miss the cache).
 *
 * <p>Peeking ({@link #minTime()}, {@link #minId()}) never moves the base: it scans the lowest bucket once and caches
 * the result, so that entries may still be added at any time {@code >=} the last polled one after a peek (for
 * example at a {@code runUntil} horizon). Removal and update are O(1) in buckets (swap with the bucket's last entry)
 * and O(log k) in the tie heap; an id → (bucket, index) map makes them possible.
 *
 * <p>Thread safety: not thread-safe; owned by one simulator.
 */
public final class RadixEventQueue implements EventQueue {
    private static final int BUCKETS = 64;
    private static final int STRIDE = 3;
    private static final long ABSENT = -1L;

    private long base;
    private final long[][] buckets = new long[BUCKETS][];
    private final int[] counts = new int[BUCKETS];
    private long nonEmpty;
    private long[] tieHeap = new long[16];
    private int[] tieIds = new int[16];
    private int tieCount;
    /** id → bucket << 32 | index (bucket 0 = tie heap), or ABSENT. */
    private long[] where;
    private int size;

    private boolean peekValid;
    private long peekTime;
    private long peekTie;
    private int peekId;

    /** Creates an empty queue with room for 64 ids. */
    public RadixEventQueue() {
        this(64);
    }

    /**
     * Creates an empty queue.
     *
     * @param initialCapacity ids to reserve room for, {@code >= 1}.
     */
    public RadixEventQueue(final int initialCapacity) {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("initialCapacity must be >= 1: " + initialCapacity);
        }
        where = new long[initialCapacity];
        Arrays.fill(where, ABSENT);
        for (int b = 1; b < BUCKETS; b++) {
            buckets[b] = new long[STRIDE * 8];
        }
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code time} is before the time of the last polled entry (or negative).
     */
    @Override
    public void add(final int id, final long time, final long tie) {
        if (time < base) {
            throw new IllegalArgumentException("time " + time + " is before the last polled time " + base
                + " (a radix queue is monotone)");
        }
        if (id >= where.length) {
            final int old = where.length;
            where = Arrays.copyOf(where, Math.max(2 * old, id + 1));
            Arrays.fill(where, old, where.length, ABSENT);
        } else if (where[id] != ABSENT) {
            throw new IllegalStateException("id " + id + " is already queued");
        }
        size++;
        if (peekValid && (time < peekTime || (time == peekTime && tie < peekTie))) {
            peekTime = time;
            peekTie = tie;
            peekId = id;
        }
        if (time == base) {
            tiePush(id, tie);
        } else {
            append(64 - Long.numberOfLeadingZeros(time ^ base), time, tie, id);
        }
    }

    @Override
    public void update(final int id, final long time, final long tie) {
        remove(id);
        add(id, time, tie);
    }

    @Override
    public void remove(final int id) {
        final long w = id >= 0 && id < where.length ? where[id] : ABSENT;
        if (w == ABSENT) {
            throw new IllegalStateException("id " + id + " is not queued");
        }
        where[id] = ABSENT;
        size--;
        if (peekValid && peekId == id) {
            peekValid = false;
        }
        final int b = (int) (w >>> 32);
        final int i = (int) w;
        if (b == 0) {
            tieRemoveAt(i);
            return;
        }
        final long[] a = buckets[b];
        final int lastIdx = --counts[b];
        if (i != lastIdx) {
            final int o = STRIDE * lastIdx;
            final int moved = (int) a[o + 2];
            a[STRIDE * i] = a[o];
            a[STRIDE * i + 1] = a[o + 1];
            a[STRIDE * i + 2] = moved;
            where[moved] = ((long) b << 32) | i;
        }
        if (lastIdx == 0) {
            nonEmpty &= ~(1L << b);
        }
    }

    @Override
    public boolean contains(final int id) {
        return id >= 0 && id < where.length && where[id] != ABSENT;
    }

    @Override
    public long timeOf(final int id) {
        final long w = id >= 0 && id < where.length ? where[id] : ABSENT;
        if (w == ABSENT) {
            throw new IllegalStateException("id " + id + " is not queued");
        }
        final int b = (int) (w >>> 32);
        return b == 0 ? base : buckets[b][STRIDE * (int) w];
    }

    @Override
    public long minTime() {
        if (tieCount > 0) {
            return base;
        }
        if (!peekValid) {
            scanLowestBucket();
        }
        return peekTime;
    }

    @Override
    public int minId() {
        if (tieCount > 0) {
            return tieIds[0];
        }
        if (!peekValid) {
            scanLowestBucket();
        }
        return peekId;
    }

    @Override
    public int poll() {
        if (tieCount == 0) {
            refill();
        }
        final int id = tieIds[0];
        tieRemoveAt(0);
        where[id] = ABSENT;
        size--;
        if (peekValid && peekId == id) {
            peekValid = false;
        }
        return id;
    }

    /** Finds the (time, tie)-minimum of the lowest non-empty bucket; the queue must hold no entry at base. */
    private void scanLowestBucket() {
        final int b = Long.numberOfTrailingZeros(nonEmpty);
        final long[] a = buckets[b];
        final int n = counts[b];
        long mt = a[0];
        long ms = a[1];
        int mi = (int) a[2];
        for (int k = 1; k < n; k++) {
            final long t = a[STRIDE * k];
            if (t < mt || (t == mt && a[STRIDE * k + 1] < ms)) {
                mt = t;
                ms = a[STRIDE * k + 1];
                mi = (int) a[STRIDE * k + 2];
            }
        }
        peekTime = mt;
        peekTie = ms;
        peekId = mi;
        peekValid = true;
    }

    /** Moves the base to the minimum time and redistributes the lowest bucket. */
    private void refill() {
        if (!peekValid) {
            scanLowestBucket();
        }
        peekValid = false;
        final long m = peekTime;
        final int b = Long.numberOfTrailingZeros(nonEmpty);
        final long[] a = buckets[b];
        final int n = counts[b];
        counts[b] = 0;
        nonEmpty &= ~(1L << b);
        base = m;
        for (int k = 0; k < n; k++) {
            final long t = a[STRIDE * k];
            final long tie = a[STRIDE * k + 1];
            final int id = (int) a[STRIDE * k + 2];
            if (t == m) {
                tiePush(id, tie);
            } else {
                append(64 - Long.numberOfLeadingZeros(t ^ m), t, tie, id);
            }
        }
    }

    private void append(final int b, final long time, final long tie, final int id) {
        long[] a = buckets[b];
        final int n = counts[b];
        if (STRIDE * n + STRIDE > a.length) {
            a = Arrays.copyOf(a, 2 * a.length);
            buckets[b] = a;
        }
        final int o = STRIDE * n;
        a[o] = time;
        a[o + 1] = tie;
        a[o + 2] = id;
        counts[b] = n + 1;
        nonEmpty |= 1L << b;
        where[id] = ((long) b << 32) | n;
    }

    private void tiePush(final int id, final long tie) {
        if (tieCount == tieHeap.length) {
            tieHeap = Arrays.copyOf(tieHeap, 2 * tieCount);
            tieIds = Arrays.copyOf(tieIds, 2 * tieCount);
        }
        tieSiftUp(tieCount++, id, tie);
    }

    private void tieRemoveAt(final int i) {
        final int last = --tieCount;
        if (i == last) {
            return;
        }
        final long tie = tieHeap[last];
        final int id = tieIds[last];
        if (i > 0 && tie < tieHeap[(i - 1) >> 1]) {
            tieSiftUp(i, id, tie);
        } else {
            tieSiftDown(i, id, tie);
        }
    }

    private void tieSiftUp(final int start, final int id, final long tie) {
        int i = start;
        while (i > 0) {
            final int p = (i - 1) >> 1;
            if (tieHeap[p] <= tie) {
                break;
            }
            tieHeap[i] = tieHeap[p];
            final int pid = tieIds[p];
            tieIds[i] = pid;
            where[pid] = i;
            i = p;
        }
        tieHeap[i] = tie;
        tieIds[i] = id;
        where[id] = i;
    }

    private void tieSiftDown(final int start, final int id, final long tie) {
        final int n = tieCount;
        int i = start;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && tieHeap[c + 1] < tieHeap[c]) {
                c++;
            }
            if (tieHeap[c] >= tie) {
                break;
            }
            tieHeap[i] = tieHeap[c];
            final int cid = tieIds[c];
            tieIds[i] = cid;
            where[cid] = i;
            i = c;
        }
        tieHeap[i] = tie;
        tieIds[i] = id;
        where[id] = i;
    }
}
