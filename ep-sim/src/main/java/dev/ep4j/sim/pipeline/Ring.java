package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;

/**
 * A ring buffer between one producer and its consumer(s), reduced to its two counters (semantics.md §12): the tail
 * the producer publishes and the head the consumer publishes, each seen by the other side after a visibility
 * latency. Slots are counted in tokens ({@code double}: the fluid stages move fractions of a token between
 * milestones). The data itself is the stages' fluid streams.
 *
 * <p>Invariant (always checked): the producer never writes beyond {@code headVisible + capacity}; a violation is a
 * model bug and throws {@link IllegalStateException}. The highest occupancy seen is kept for the tests.
 *
 * <p>Not thread-safe: one instance per simulated kernel.
 */
final class Ring implements EventHandler {
    /** Tolerance on token counts, tokens. */
    static final double EPS = 1e-6;
    private static final long TAIL = 0;
    private static final long HEAD = 1;

    private final Simulator sim;
    private final String name;
    private final double capacity;
    private final long tailLatencyPs;
    private final long headLatencyPs;
    private final double total;

    private double tail;
    private double tailVisible;
    private double head;
    private double headVisible;
    private double maxOccupancy;
    private Wakeable producer;
    private Wakeable consumer;
    private Pipe tailProducer;
    private double tailRatio = 1;
    private boolean producerBlocked;
    private String producerNeed = "";

    /**
     * @param sim           the simulator.
     * @param name          for deadlock reports, e.g. {@code "NVL ring dispatch ch3 gpu2 -> gpu5"}.
     * @param capacity      slots, tokens.
     * @param total         tokens that will pass through the ring in this kernel.
     * @param tailLatencyPs delay until a published tail is visible to the consumer, ps.
     * @param headLatencyPs delay until a published head is visible to the producer, ps.
     */
    Ring(final Simulator sim, final String name, final double capacity, final double total,
        final long tailLatencyPs, final long headLatencyPs) {
        this.sim = sim;
        this.name = name;
        this.capacity = capacity;
        this.total = total;
        this.tailLatencyPs = tailLatencyPs;
        this.headLatencyPs = headLatencyPs;
    }

    void producer(final Wakeable w) {
        producer = w;
    }

    void consumer(final Wakeable w) {
        consumer = w;
    }

    /**
     * @param p     the stage whose progress advances the tail (a sender, a put).
     * @param ratio ring tokens per token of that stage.
     */
    void tailProducer(final Pipe p, final double ratio) {
        tailProducer = p;
        tailRatio = ratio;
    }

    Pipe tailProducer() {
        return tailProducer;
    }

    double tailRatio() {
        return tailRatio;
    }

    String name() {
        return name;
    }

    double capacity() {
        return capacity;
    }

    double total() {
        return total;
    }

    double tail() {
        return tail;
    }

    double tailVisible() {
        return tailVisible;
    }

    double head() {
        return head;
    }

    double headVisible() {
        return headVisible;
    }

    double maxOccupancy() {
        return maxOccupancy;
    }

    /** @return free slots as the producer sees them when it has written {@code written} tokens. */
    double free(final double written) {
        return capacity - (written - headVisible);
    }

    /**
     * Asserts that the producer may hold {@code writtenTo} tokens in the ring.
     *
     * @param writtenTo tokens written (or reserved) so far.
     */
    void checkWrite(final double writtenTo) {
        final double occ = writtenTo - headVisible;
        if (occ > capacity + EPS) {
            throw new IllegalStateException("ring over-full: " + name + " holds " + occ + " tokens > capacity "
                + capacity + " (written " + writtenTo + ", head seen " + headVisible + ")");
        }
        if (occ > maxOccupancy) {
            maxOccupancy = occ;
        }
    }

    /** Marks the producer as waiting for credits (for the deadlock report). */
    void blocked(final boolean b, final String need) {
        producerBlocked = b;
        producerNeed = need;
    }

    boolean producerBlocked() {
        return producerBlocked;
    }

    String producerNeed() {
        return producerNeed;
    }

    /**
     * The producer publishes its tail; the consumer sees it {@code tailLatencyPs} later.
     *
     * @param t tokens published (monotone; smaller values are ignored).
     */
    void publishTail(final double t) {
        if (t > tail + EPS / 2) {
            tail = t;
            sim.schedule(sim.nowPs() + tailLatencyPs, EventClass.FLAG_VISIBLE, this, TAIL,
                Double.doubleToRawLongBits(t));
        }
    }

    /**
     * The consumer publishes its head (slots freed); the producer sees it {@code headLatencyPs} later.
     *
     * @param h tokens consumed (monotone; smaller values are ignored).
     */
    void publishHead(final double h) {
        if (h > head + EPS / 2) {
            head = h;
            sim.schedule(sim.nowPs() + headLatencyPs, EventClass.FLAG_VISIBLE, this, HEAD,
                Double.doubleToRawLongBits(h));
        }
    }

    @Override
    public void onEvent(final long kind, final long bits) {
        final double v = Double.longBitsToDouble(bits);
        if (kind == TAIL) {
            if (v > tailVisible) {
                tailVisible = v;
                if (consumer != null) {
                    consumer.wake();
                }
            }
        } else if (v > headVisible) {
            headVisible = v;
            if (producer != null) {
                producer.wake();
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
