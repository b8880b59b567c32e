package dev.ep4j.sim.event;

import java.util.Arrays;

/**
 * A 4-ary min-heap of int ids keyed by (time, tie), in primitive arrays: keys interleaved in one {@code long[]}
 * (time at {@code 2i}, tie at {@code 2i+1}, so the four children of a node share one or two cache lines), ids in an
 * {@code int[]}, and an id → heap-index map for O(log n) removal and update. Holes are filled by moving entries, not
 * by swapping, so each level costs one key copy. Nothing is allocated except when the arrays grow (doubling).
 *
 * <p>Depth is log4(n): at 10^5 entries about 8.3 levels instead of 16.6 for a binary heap, at the price of up to
 * three extra comparisons per level on the way down.
 *
 * <p>Unlike {@link RadixEventQueue} it accepts keys in any order. In a hold model at 10^5 pending events its sift
 * paths miss the cache, which makes it about half as fast as the radix queue there.
 *
 * <p>Thread safety: not thread-safe; owned by one simulator.
 */
public final class QuaternaryEventHeap implements EventQueue {
    private static final int ABSENT = -1;

    private long[] keys;
    private int[] ids;
    private int[] pos;
    private int size;

    /** Creates an empty heap with room for 64 entries. */
    public QuaternaryEventHeap() {
        this(64);
    }

    /**
     * Creates an empty heap.
     *
     * @param initialCapacity entries to reserve, {@code >= 1}.
     */
    public QuaternaryEventHeap(final int initialCapacity) {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("initialCapacity must be >= 1: " + initialCapacity);
        }
        keys = new long[2 * initialCapacity];
        ids = new int[initialCapacity];
        pos = new int[initialCapacity];
        Arrays.fill(pos, ABSENT);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void add(final int id, final long time, final long tie) {
        if (id >= pos.length) {
            growPos(id);
        } else if (pos[id] != ABSENT) {
            throw new IllegalStateException("id " + id + " is already queued");
        }
        if (size == ids.length) {
            growHeap();
        }
        siftUp(size++, id, time, tie);
    }

    @Override
    public void update(final int id, final long time, final long tie) {
        final int i = indexOf(id);
        final long oldTime = keys[2 * i];
        final long oldTie = keys[2 * i + 1];
        if (less(time, tie, oldTime, oldTie)) {
            siftUp(i, id, time, tie);
        } else {
            siftDown(i, id, time, tie);
        }
    }

    @Override
    public void remove(final int id) {
        final int i = indexOf(id);
        pos[id] = ABSENT;
        final int last = --size;
        if (i == last) {
            return;
        }
        final int movedId = ids[last];
        final long time = keys[2 * last];
        final long tie = keys[2 * last + 1];
        if (i > 0 && less(time, tie, keys[2 * ((i - 1) >> 2)], keys[2 * ((i - 1) >> 2) + 1])) {
            siftUp(i, movedId, time, tie);
        } else {
            siftDown(i, movedId, time, tie);
        }
    }

    @Override
    public boolean contains(final int id) {
        return id >= 0 && id < pos.length && pos[id] != ABSENT;
    }

    @Override
    public long timeOf(final int id) {
        return keys[2 * indexOf(id)];
    }

    @Override
    public long minTime() {
        return keys[0];
    }

    @Override
    public int minId() {
        return ids[0];
    }

    @Override
    public int poll() {
        final int top = ids[0];
        pos[top] = ABSENT;
        final int last = --size;
        if (last > 0) {
            siftDown(0, ids[last], keys[2 * last], keys[2 * last + 1]);
        }
        return top;
    }

    private int indexOf(final int id) {
        final int i = id >= 0 && id < pos.length ? pos[id] : ABSENT;
        if (i == ABSENT) {
            throw new IllegalStateException("id " + id + " is not queued");
        }
        return i;
    }

    private static boolean less(final long t1, final long s1, final long t2, final long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void siftUp(final int start, final int id, final long time, final long tie) {
        final long[] k = keys;
        final int[] h = ids;
        final int[] p = pos;
        int i = start;
        while (i > 0) {
            final int parent = (i - 1) >> 2;
            final long pt = k[2 * parent];
            if (pt < time || (pt == time && k[2 * parent + 1] <= tie)) {
                break;
            }
            k[2 * i] = pt;
            k[2 * i + 1] = k[2 * parent + 1];
            final int pid = h[parent];
            h[i] = pid;
            p[pid] = i;
            i = parent;
        }
        k[2 * i] = time;
        k[2 * i + 1] = tie;
        h[i] = id;
        p[id] = i;
    }

    private void siftDown(final int start, final int id, final long time, final long tie) {
        final long[] k = keys;
        final int[] h = ids;
        final int[] p = pos;
        final int n = size;
        int i = start;
        while (true) {
            final int first = 4 * i + 1;
            if (first >= n) {
                break;
            }
            int best = first;
            long bt = k[2 * first];
            long bs = k[2 * first + 1];
            final int end = Math.min(first + 4, n);
            for (int c = first + 1; c < end; c++) {
                final long ct = k[2 * c];
                if (ct < bt || (ct == bt && k[2 * c + 1] < bs)) {
                    best = c;
                    bt = ct;
                    bs = k[2 * c + 1];
                }
            }
            if (bt > time || (bt == time && bs >= tie)) {
                break;
            }
            k[2 * i] = bt;
            k[2 * i + 1] = bs;
            final int cid = h[best];
            h[i] = cid;
            p[cid] = i;
            i = best;
        }
        k[2 * i] = time;
        k[2 * i + 1] = tie;
        h[i] = id;
        p[id] = i;
    }

    private void growHeap() {
        final int n = ids.length * 2;
        keys = Arrays.copyOf(keys, 2 * n);
        ids = Arrays.copyOf(ids, n);
    }

    private void growPos(final int id) {
        final int old = pos.length;
        final int n = Math.max(old * 2, id + 1);
        pos = Arrays.copyOf(pos, n);
        Arrays.fill(pos, old, n, ABSENT);
    }
}
