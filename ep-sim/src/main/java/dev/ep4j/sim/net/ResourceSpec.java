package dev.ep4j.sim.net;

import java.util.Objects;

/**
 * Description of one shared resource: a name for reports, a kind, a capacity and two optional modifiers.
 *
 * <p>The capacity the model uses is {@link #effectiveCapacityBytesPerSec()} =
 * {@code floor(capacityBytesPerSec / oversubscription)} (computed once, in {@code double}, at configuration time).
 * A message rate {@code > 0} makes the resource serialize the <em>issue</em> of flows that cross it: a flow may start
 * moving bytes no earlier than {@code 10^12 / messagesPerSec} picoseconds after the previous flow through this
 * resource started (exact in rational arithmetic). This is a token bucket of depth one; in steady state a stream of
 * messages of {@code s} bytes gets {@code min(C, s * messagesPerSec)} bytes/s, the NIC behaviour described in
 * simulator.md §5.4.
 *
 * <p>Thread safety: immutable.
 *
 * @param name                 name for reports, not blank.
 * @param kind                 what the resource stands for.
 * @param capacityBytesPerSec  nominal capacity in bytes per second, {@code >= 1}.
 * @param oversubscription     divisor of the capacity, {@code >= 1} (1 = non-blocking; 2 = 2:1 oversubscribed).
 * @param messagesPerSec       message-issue rate limit in messages per second, or 0 for none.
 */
public record ResourceSpec(String name, ResourceKind kind, long capacityBytesPerSec, double oversubscription,
                           long messagesPerSec) {
    /**
     * Validates the fields.
     *
     * @param name                name for reports, not blank.
     * @param kind                what the resource stands for.
     * @param capacityBytesPerSec nominal capacity in bytes per second, {@code >= 1}.
     * @param oversubscription    divisor of the capacity, {@code >= 1}.
     * @param messagesPerSec      message-issue rate limit in messages per second, or 0 for none.
     */
    public ResourceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isBlank()) {
            throw new IllegalArgumentException("resource name must not be blank");
        }
        if (capacityBytesPerSec < 1L) {
            throw new IllegalArgumentException("resource '" + name + "': capacityBytesPerSec must be >= 1: "
                + capacityBytesPerSec);
        }
        if (!(oversubscription >= 1.0) || Double.isInfinite(oversubscription)) {
            throw new IllegalArgumentException("resource '" + name + "': oversubscription must be finite and >= 1: "
                + oversubscription);
        }
        if (messagesPerSec < 0L) {
            throw new IllegalArgumentException("resource '" + name + "': messagesPerSec must be >= 0 (0 = no limit): "
                + messagesPerSec);
        }
        if (capacityBytesPerSec / oversubscription < 1.0) {
            throw new IllegalArgumentException("resource '" + name + "': capacity " + capacityBytesPerSec
                + " B/s over oversubscription " + oversubscription + " is below 1 B/s");
        }
    }

    /**
     * A plain resource: no oversubscription, no message-rate limit.
     *
     * @param name                name for reports.
     * @param kind                what it stands for.
     * @param capacityBytesPerSec capacity in bytes per second.
     * @return the spec.
     */
    public static ResourceSpec of(final String name, final ResourceKind kind, final long capacityBytesPerSec) {
        return new ResourceSpec(name, kind, capacityBytesPerSec, 1.0, 0L);
    }

    /**
     * @param factor oversubscription factor, {@code >= 1}.
     * @return a copy with that oversubscription factor.
     */
    public ResourceSpec withOversubscription(final double factor) {
        return new ResourceSpec(name, kind, capacityBytesPerSec, factor, messagesPerSec);
    }

    /**
     * @param rate message-issue rate limit in messages per second, 0 for none.
     * @return a copy with that message-rate limit.
     */
    public ResourceSpec withMessageRate(final long rate) {
        return new ResourceSpec(name, kind, capacityBytesPerSec, oversubscription, rate);
    }

    /**
     * @return the capacity the model shares, {@code floor(capacityBytesPerSec / oversubscription)} bytes/s.
     */
    public long effectiveCapacityBytesPerSec() {
        return oversubscription == 1.0 ? capacityBytesPerSec : (long) Math.floor(capacityBytesPerSec
            / oversubscription);
    }
}
