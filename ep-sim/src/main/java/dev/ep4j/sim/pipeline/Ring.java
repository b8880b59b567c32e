package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.List;

/**
 * A receive ring of DeepEP's normal kernels as a pair of credit counters, in tokens: producers claim slots and publish
 * landed chunks (the tail), which consumers see {@code tailDelayPs} after the data has landed; consumers free slots
 * (the head), which producers see {@code headDelayPs} later. Producers only ever use the head they have seen, so the ring can never be
 * over-full ({@link #maxOccupancy()} ≤ {@link #capacity()}, tested). Several producers may share one ring (a forwarder
 * filling one destination's ring from several source nodes); several consumers may read it, each at its own position
 * (the forwarder's per-destination warps), and a slot is free once every consumer has passed it.
 *
 * <p>The head is returned lazily when {@code lazyStep > 1}: only after the slowest consumer has moved that many tokens
 * past the last update, or reached the end — DeepEP's RDMA rings do this, which is why their send chunk must be at most
 * half the ring.
 *
 * <p>Not thread-safe: owned by one simulation.
 */
final class Ring implements EventHandler {
    private static final long TAIL = 0;
    private static final long HEAD = 1;

    private final String name;
    private final Simulator sim;
    private final int capacity;
    private final long tailDelayPs;
    private final long headDelayPs;
    private final int lazyStep;
    private final long expected;
    private final List<Stream> producers = new ArrayList<>(1);
    private final List<Stream> consumers = new ArrayList<>(1);
    private long[] consumed = new long[0];
    private long published;
    private long tailSeen;
    private long headSent;
    private long headSeen;
    private long maxOccupancy;

    /**
     * @param name        for reports and deadlock messages, e.g. {@code "nvl ring rank 3 <- rank 1, channel 5"}.
     * @param sim         the simulation.
     * @param capacity    slots, tokens.
     * @param expected    tokens that will pass through it in total (the consumers' end).
     * @param tailDelayPs data landed → tail visible to consumers.
     * @param headDelayPs head written → visible to producers.
     * @param lazyStep    head update granularity, tokens (1 = every release).
     */
    Ring(final String name, final Simulator sim, final int capacity, final long expected, final long tailDelayPs,
        final long headDelayPs, final int lazyStep) {
        this.name = name;
        this.sim = sim;
        this.capacity = capacity;
        this.expected = expected;
        this.tailDelayPs = tailDelayPs;
        this.headDelayPs = headDelayPs;
        this.lazyStep = Math.max(1, lazyStep);
    }

    String name() {
        return name;
    }

    int capacity() {
        return capacity;
    }

    long expected() {
        return expected;
    }

    void addProducer(final Stream s) {
        producers.add(s);
    }

    /**
     * @param s a consumer.
     * @return its index for {@link #visible(int)} and {@link #release(int, long)}.
     */
    int addConsumer(final Stream s) {
        consumers.add(s);
        consumed = java.util.Arrays.copyOf(consumed, consumers.size());
        return consumers.size() - 1;
    }

    /**
     * @return slots the producers may fill now (by the head they have seen).
     */
    long free() {
        return capacity - (published - headSeen);
    }

    /**
     * @param consumer a consumer index.
     * @return tokens visible to it that it has not consumed.
     */
    long visible(final int consumer) {
        return tailSeen - consumed[consumer];
    }

    /**
     * @param consumer a consumer index.
     * @return the consumer's position (tokens consumed).
     */
    long consumed(final int consumer) {
        return consumed[consumer];
    }

    /**
     * @return tokens whose tail has become visible.
     */
    long tailSeen() {
        return tailSeen;
    }

    /**
     * A producer starts writing a chunk: its slots are taken now (by the head that producer has seen).
     *
     * @param tokens chunk size, at most {@link #free()}.
     */
    void claim(final long tokens) {
        if (tokens > free()) {
            throw new IllegalStateException(name + ": claim of " + tokens + " tokens with " + free() + " free");
        }
        published += tokens;
        final long occupied = published - minConsumed();
        if (occupied > maxOccupancy) {
            maxOccupancy = occupied;
        }
    }

    /**
     * A claimed chunk has landed: consumers see it after the tail delay.
     *
     * @param tokens chunk size.
     */
    void land(final long tokens) {
        sim.scheduleAfter(tailDelayPs, EventClass.FLAG_VISIBLE, this, TAIL, tokens);
    }

    /**
     * A consumer has copied out up to {@code position}; frees slots once every consumer is past them.
     *
     * @param consumer the consumer's index.
     * @param position its new position, tokens.
     */
    void release(final int consumer, final long position) {
        consumed[consumer] = position;
        final long head = minConsumed();
        if (head - headSent >= lazyStep || (head == expected && head > headSent)) {
            headSent = head;
            sim.scheduleAfter(headDelayPs, EventClass.FLAG_VISIBLE, this, HEAD, head);
        }
    }

    private long minConsumed() {
        long m = Long.MAX_VALUE;
        for (final long c : consumed) {
            m = Math.min(m, c);
        }
        return consumed.length == 0 ? published : m;
    }

    /**
     * @return most slots ever occupied (published, not yet passed by every consumer).
     */
    long maxOccupancy() {
        return maxOccupancy;
    }

    /**
     * @return tokens published so far.
     */
    long published() {
        return published;
    }

    @Override
    public void onEvent(final long kind, final long value) {
        if (kind == TAIL) {
            tailSeen += value;
            for (final Stream s : consumers) {
                s.wake();
            }
        } else {
            headSeen = Math.max(headSeen, value);
            for (final Stream s : producers) {
                s.wake();
            }
        }
    }

    @Override
    public String toString() {
        return name + " (capacity " + capacity + " tokens, published " + published + ", visible to consumers "
            + tailSeen + ", head seen by producers " + headSeen + ", expected " + expected + ")";
    }
}
