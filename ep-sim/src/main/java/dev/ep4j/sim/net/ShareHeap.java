package dev.ep4j.sim.net;

import dev.ep4j.sim.event.ExactMath;
import java.util.Arrays;

/**
 * The min-heap of resources by fair share that {@link Network}'s progressive filling pops: key {@code (rem / n, id)},
 * compared by {@code floor(rem / n)} first and by the exact fraction on a tie (ties of the fraction go to the lower
 * resource id). Entries are lazy: the caller pushes a resource again when its share has grown and drops stale ones.
 * Four parallel primitive arrays, no objects; reused across settles.
 *
 * <p>Not thread-safe: owned by one network.
 */
final class ShareHeap {
    private long[] floor = new long[16];
    private long[] rem = new long[16];
    private int[] n = new int[16];
    private int[] res = new int[16];
    private int size;

    /**
     * Empties the heap and makes room for {@code capacity} entries.
     *
     * @param capacity entries about to be added.
     */
    void clear(final int capacity) {
        size = 0;
        if (rem.length < capacity) {
            grow(capacity);
        }
    }

    /**
     * Appends without ordering; call {@link #heapify()} after the last one.
     *
     * @param remaining the resource's remaining capacity.
     * @param flows     its unfrozen flows, at least 1.
     * @param resource  its id.
     */
    void append(final long remaining, final int flows, final int resource) {
        if (size == rem.length) {
            grow(size + 1);
        }
        final int k = size++;
        floor[k] = remaining / flows;
        rem[k] = remaining;
        n[k] = flows;
        res[k] = resource;
    }

    /** Orders the entries added by {@link #append}. */
    void heapify() {
        for (int i = (size >> 1) - 1; i >= 0; i--) {
            siftDown(i, size);
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** @return {@code floor(rem / n)} of the smallest entry. */
    long topShare() {
        return floor[0];
    }

    /** @return the remaining capacity of the smallest entry, as pushed. */
    long topRemaining() {
        return rem[0];
    }

    /** @return the unfrozen flows of the smallest entry, as pushed. */
    int topFlows() {
        return n[0];
    }

    /** @return the resource of the smallest entry. */
    int topResource() {
        return res[0];
    }

    /** Removes the smallest entry. */
    void pop() {
        final int last = --size;
        if (last > 0) {
            floor[0] = floor[last];
            rem[0] = rem[last];
            n[0] = n[last];
            res[0] = res[last];
            siftDown(0, last);
        }
    }

    /**
     * @param remaining the resource's remaining capacity.
     * @param flows     its unfrozen flows, at least 1.
     * @param resource  its id.
     */
    void push(final long remaining, final int flows, final int resource) {
        if (size == rem.length) {
            grow(size + 1);
        }
        final long f = remaining / flows;
        int i = size++;
        while (i > 0) {
            final int p = (i - 1) >> 1;
            if (before(p, f, remaining, flows, resource)) {
                break;
            }
            move(p, i);
            i = p;
        }
        set(i, f, remaining, flows, resource);
    }

    private boolean before(final int i, final long f, final long r, final int k, final int id) {
        final long fi = floor[i];
        if (fi != f) {
            return fi < f;
        }
        final int c = ExactMath.compareFractions(rem[i], n[i], r, k);
        return c < 0 || (c == 0 && res[i] < id);
    }

    /** Moves the entry at {@code start} down to its place among the first {@code count} entries. */
    private void siftDown(final int start, final int count) {
        final long f = floor[start];
        final long r = rem[start];
        final int k = n[start];
        final int id = res[start];
        int i = start;
        while (true) {
            int c = 2 * i + 1;
            if (c >= count) {
                break;
            }
            if (c + 1 < count && before(c + 1, floor[c], rem[c], n[c], res[c])) {
                c++;
            }
            if (!before(c, f, r, k, id)) {
                break;
            }
            move(c, i);
            i = c;
        }
        set(i, f, r, k, id);
    }

    private void move(final int from, final int to) {
        floor[to] = floor[from];
        rem[to] = rem[from];
        n[to] = n[from];
        res[to] = res[from];
    }

    private void set(final int i, final long f, final long r, final int k, final int id) {
        floor[i] = f;
        rem[i] = r;
        n[i] = k;
        res[i] = id;
    }

    private void grow(final int min) {
        final int cap = Math.max(min, 2 * rem.length);
        floor = Arrays.copyOf(floor, cap);
        rem = Arrays.copyOf(rem, cap);
        n = Arrays.copyOf(n, cap);
        res = Arrays.copyOf(res, cap);
    }
}
