package dev.ep4j.sim.exec;

import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.EpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The collective meeting point of the ranks of one simulated group: every rank publishes its inputs for collective
 * number n ({@link #exchange}), computes its own outputs from everybody's inputs, then waits until every rank is
 * done reading ({@link #finish}) — so a call completes only when every rank has made it, and no input is modified
 * while a peer still reads it.
 *
 * <p>Two-phase calls (the low-latency receive hook) split {@link #exchange} into {@link #publish}, which makes the
 * rank's inputs visible and returns at once, and {@link #awaitAll}, which waits for every rank's; a rank may publish
 * several collectives before awaiting the first (collectives are numbered per rank, so every rank must still publish
 * them in the same order). {@code exchange(r, op, in)} is exactly {@code awaitAll(publish(r, op, in))}.
 *
 * <p>A rank that never arrives makes the others fail after the timeout with an {@link EpTimeoutException} naming
 * it (in {@link #awaitAll}: the ranks that have not published; in {@link #finish}: the ranks that have not
 * finished); the collective is then marked failed, and a late rank arriving at it fails at once with the same cause.
 * Ranks calling different operations as the same collective fail with a mismatch naming both. Thread-safe.
 */
public final class Rendezvous {
    private final int ranks;
    private final long timeoutNs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long[] nextSeq;
    private final Map<Long, Slot> slots = new HashMap<>();

    /** One collective in flight. */
    private static final class Slot {
        final String op;
        final Object[] inputs;
        final boolean[] finishedBy;
        int published;
        int finished;
        int released;
        String failure;
        /** The first missing rank when the failure is a timeout, else -1. */
        int timedOutPeer = -1;
        boolean timedOut;

        Slot(final String op, final int ranks) {
            this.op = op;
            this.inputs = new Object[ranks];
            this.finishedBy = new boolean[ranks];
        }
    }

    /**
     * @param ranks   group size.
     * @param timeout how long a rank waits for the others.
     */
    public Rendezvous(final int ranks, final Duration timeout) {
        this.ranks = ranks;
        this.timeoutNs = timeout.toNanos();
        this.nextSeq = new long[ranks];
    }

    /**
     * Publishes {@code input} as this rank's contribution to its next collective and waits for every rank's.
     * Equivalent to {@code awaitAll(publish(rank, op, input))}.
     *
     * @param rank  the calling rank.
     * @param op    operation name (ranks must agree).
     * @param input this rank's inputs (read-only for everyone until {@link #finish}).
     * @return the ticket to read all inputs and to finish with.
     * @throws EpTimeoutException when some rank does not arrive in time.
     */
    public Ticket exchange(final int rank, final String op, final Object input) {
        return awaitAll(publish(rank, op, input));
    }

    /**
     * Publishes {@code input} as this rank's contribution to its next collective and returns without waiting (the
     * send phase of a two-phase call). The caller must later pass the result to {@link #awaitAll} exactly once,
     * and the ticket that returns to {@link #finish}.
     *
     * @param rank  the calling rank.
     * @param op    operation name (ranks must agree).
     * @param input this rank's inputs (read-only for everyone until {@link #finish}).
     * @return the claim on the collective.
     * @throws EpException when the collective already failed or another rank called a different operation.
     */
    public Pending publish(final int rank, final String op, final Object input) {
        lock.lock();
        try {
            final long seq = nextSeq[rank]++;
            final Slot slot = slots.computeIfAbsent(seq, s -> new Slot(op, ranks));
            if (slot.failure != null) {
                release(seq, slot);
                throw new EpException("collective #" + seq + " (" + slot.op + ") already failed: " + slot.failure);
            }
            if (!slot.op.equals(op)) {
                slot.failure = "rank " + rank + " called " + op + " but other ranks called " + slot.op
                    + " as collective #" + seq + "; every rank must call the same operations in the same order";
                changed.signalAll();
                release(seq, slot);
                throw new EpException(slot.failure);
            }
            slot.inputs[rank] = input;
            slot.published++;
            changed.signalAll();
            return new Pending(rank, seq);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every rank has published its inputs for the collective of {@code pending}; the timeout starts
     * with this call.
     *
     * @param pending what {@link #publish} returned; each may be awaited once.
     * @return the ticket to read all inputs and to finish with.
     * @throws EpTimeoutException when some rank does not publish in time (naming the first missing rank).
     * @throws IllegalStateException when {@code pending} was already awaited.
     */
    public Ticket awaitAll(final Pending pending) {
        lock.lock();
        try {
            if (pending.awaited) {
                throw new IllegalStateException("collective #" + pending.seq + " already awaited by rank "
                    + pending.rank);
            }
            pending.awaited = true;
            final Slot slot = slots.get(pending.seq);
            await(pending.rank, pending.seq, slot, () -> slot.published == ranks, "publish its inputs");
            return new Ticket(pending.rank, pending.seq, slot.inputs.clone());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks this rank done reading and waits until every rank is.
     *
     * @param ticket the ticket of {@link #exchange}.
     * @throws EpTimeoutException when some rank does not finish in time.
     */
    public void finish(final Ticket ticket) {
        lock.lock();
        try {
            final Slot slot = slots.get(ticket.seq);
            if (slot == null) {
                throw new IllegalStateException("collective #" + ticket.seq + " finished twice by rank "
                    + ticket.rank);
            }
            slot.finished++;
            slot.finishedBy[ticket.rank] = true;
            changed.signalAll();
            await(ticket.rank, ticket.seq, slot, () -> slot.finished == ranks, "finish");
            release(ticket.seq, slot);
        } finally {
            lock.unlock();
        }
    }

    private interface Done {
        boolean done();
    }

    private void await(final int rank, final long seq, final Slot slot, final Done done, final String what) {
        long left = timeoutNs;
        while (!done.done()) {
            if (slot.failure != null) {
                release(seq, slot);
                final String msg = "collective #" + seq + " (" + slot.op + ") failed: " + slot.failure;
                if (slot.timedOut) {
                    throw new EpTimeoutException(msg + "; rank " + rank + " gives up too", rank, slot.timedOutPeer,
                        -1, slot.op);
                }
                throw new EpException(msg);
            }
            if (left <= 0) {
                final List<Integer> missing = missing(slot, what);
                slot.failure = "rank " + rank + " waited " + Duration.ofNanos(timeoutNs).toMillis() + " ms for rank(s) "
                    + missing + " to " + what;
                slot.timedOut = true;
                slot.timedOutPeer = missing.isEmpty() ? -1 : missing.get(0);
                changed.signalAll();
                release(seq, slot);
                throw new EpTimeoutException(slot.failure + " in " + slot.op + " (collective #" + seq
                    + "); every rank must make the same calls; raise BufferSpec.timeout if they are only slow",
                    rank, missing.isEmpty() ? -1 : missing.get(0), -1, slot.op);
            }
            try {
                left = changed.awaitNanos(left);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                slot.failure = "rank " + rank + " was interrupted";
                changed.signalAll();
                release(seq, slot);
                throw new EpException("rank " + rank + " interrupted while waiting in " + slot.op, e);
            }
        }
    }

    private List<Integer> missing(final Slot slot, final String what) {
        final List<Integer> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            final boolean missing = "publish its inputs".equals(what) ? slot.inputs[r] == null : !slot.finishedBy[r];
            if (missing) {
                out.add(r);
            }
        }
        return out;
    }

    /** Forgets a slot once every rank has left it. */
    private void release(final long seq, final Slot slot) {
        if (++slot.released == ranks) {
            slots.remove(seq);
        }
    }

    /**
     * @return collectives currently in flight (for leak checks in tests).
     */
    public int inFlight() {
        lock.lock();
        try {
            return slots.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * What {@link #publish} returns: one rank's claim on a published collective, to be awaited once. Thread-safe:
     * its state is read and written under the rendezvous lock, so any thread may await it.
     */
    public static final class Pending {
        private final int rank;
        private final long seq;
        private boolean awaited;

        Pending(final int rank, final long seq) {
            this.rank = rank;
            this.seq = seq;
        }

        /**
         * @return the collective's sequence number.
         */
        public long seq() {
            return seq;
        }
    }

    /**
     * What {@link #exchange} returns: every rank's inputs of one collective.
     */
    public static final class Ticket {
        private final int rank;
        private final long seq;
        private final Object[] inputs;

        Ticket(final int rank, final long seq, final Object[] inputs) {
            this.rank = rank;
            this.seq = seq;
            this.inputs = inputs;
        }

        /**
         * @param r a rank.
         * @param type the input's class.
         * @param <T> the input type.
         * @return rank r's input.
         */
        public <T> T input(final int r, final Class<T> type) {
            return type.cast(inputs[r]);
        }

        /**
         * @return the collective's sequence number.
         */
        public long seq() {
            return seq;
        }
    }
}
