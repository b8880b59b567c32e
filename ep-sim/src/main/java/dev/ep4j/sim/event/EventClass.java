package dev.ep4j.sim.event;

/**
 * Event classes: the second key of the total event order (time, class, sequence). Among events at the same
 * picosecond, a lower class runs first; among events of the same time and class, the one scheduled first runs first.
 * A class is any int in {@code [0, }{@link #MAX}{@code ]}; the constants below are the conventions of ep-sim.
 *
 * <p>The network model uses {@link #NET_LAST_BYTE}, {@link #NET_ISSUE} and {@link #NET_SETTLE} internally: bandwidth
 * is released before anything else happens at a picosecond, and rates are settled after everything else that was
 * scheduled for that picosecond, once per picosecond.
 *
 * <p>Thread safety: constants only.
 */
public final class EventClass {
    /** Internal to the network: the last byte of a flow left its path (frees bandwidth first). */
    public static final int NET_LAST_BYTE = 0;
    /** Internal to the network: a message-rate-limited flow is issued and starts moving bytes. */
    public static final int NET_ISSUE = 1;
    /** Data became visible at the receiver (a flow's last byte plus its data latency). */
    public static final int DATA_ARRIVAL = 16;
    /** A flag or counter write (ring tail/head, notify counter) became visible; runs after data of the same time. */
    public static final int FLAG_VISIBLE = 32;
    /** Ordinary model work (compute done, producer ready). */
    public static final int DEFAULT = 64;
    /** A poller looks at state; runs after every arrival and flag of the same picosecond. */
    public static final int POLL = 128;
    /** Internal to the network: recompute max-min rates once per picosecond, after all other events. */
    public static final int NET_SETTLE = 255;
    /** Largest valid class. */
    public static final int MAX = 255;

    private EventClass() {
    }
}
