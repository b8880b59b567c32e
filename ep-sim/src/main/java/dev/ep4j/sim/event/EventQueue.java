package dev.ep4j.sim.event;

/**
 * A priority queue of event ids keyed by (time, tie), both {@code long}, smallest first, with removal and update by
 * id. Ids are small non-negative ints handed out by the {@link Simulator}; the queue keeps its own id → position map,
 * so cancel and reschedule are O(log n). Implementations store keys in primitive arrays and allocate only when they
 * grow.
 *
 * <p>This is the simulator's calendar behind an interface (as DSOL and JSL keep theirs swappable); the default is
 * {@link RadixEventQueue}, the general-purpose alternative {@link QuaternaryEventHeap}.
 *
 * <p>Thread safety: not thread-safe; owned by one simulator.
 */
public interface EventQueue {
    /**
     * @return number of queued ids.
     */
    int size();

    /**
     * Adds an id that is not queued. The simulator only adds times {@code >=} the time of the last polled entry;
     * implementations may rely on that (a radix queue does).
     *
     * @param id   the id, {@code >= 0}.
     * @param time primary key (picoseconds).
     * @param tie  secondary key (packed class and sequence).
     */
    void add(int id, long time, long tie);

    /**
     * Changes the key of a queued id.
     *
     * @param id   a queued id.
     * @param time new primary key (picoseconds).
     * @param tie  new secondary key.
     */
    void update(int id, long time, long tie);

    /**
     * Removes a queued id.
     *
     * @param id a queued id.
     */
    void remove(int id);

    /**
     * @param id any id {@code >= 0}.
     * @return whether the id is queued.
     */
    boolean contains(int id);

    /**
     * @param id a queued id.
     * @return its primary key (picoseconds).
     */
    long timeOf(int id);

    /**
     * @return the smallest primary key; undefined when empty.
     */
    long minTime();

    /**
     * @return the id of the smallest entry (by time, then tie); undefined when empty.
     */
    int minId();

    /**
     * Removes the smallest entry.
     *
     * @return its id; undefined when empty.
     */
    int poll();
}
