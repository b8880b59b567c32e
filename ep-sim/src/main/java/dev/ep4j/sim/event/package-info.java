/**
 * The simulator's event core: virtual time, a total event order, a primitive calendar and a loop the caller drives.
 *
 * <h2>Model and invariants</h2>
 * <ul>
 *   <li><b>Time</b> is a {@code long} count of picoseconds ({@link dev.ep4j.sim.event.SimClock}); 2^63 ps is about
 *       106 days. Nothing in simulation logic reads a wall clock.</li>
 *   <li><b>Order</b>: events fire by (time, class, sequence). The class ({@link dev.ep4j.sim.event.EventClass},
 *       0..255) orders same-time events by meaning (bandwidth release, data arrival, flag visibility, work, polls,
 *       rate settling); the sequence is a counter of the {@link dev.ep4j.sim.event.Simulator} instance, so runs are
 *       reproducible and simulators in one JVM are independent. Time never goes backwards: scheduling before now
 *       throws.</li>
 *   <li><b>No allocation on the hot path</b>: an event is a handler reference plus two {@code long}s in parallel
 *       arrays indexed by a pooled slot; the calendar (by default a {@link dev.ep4j.sim.event.RadixEventQueue}) holds
 *       primitive keys. Handles are {@code long}s carrying a generation, so stale handles are harmless.</li>
 *   <li><b>Bounded failure</b>: event budget, simulated-time limit, same-picosecond limit and an optional wall-clock
 *       guard end a stuck model with a {@link dev.ep4j.api.error.SimulationException} naming time and event.</li>
 *   <li><b>Exact durations</b>: {@link dev.ep4j.sim.event.Durations#transferPs(long, long)} is the one conversion
 *       from bytes and bytes/s to picoseconds, {@code ceil(bytes * 10^12 / rate)} in exact integer arithmetic
 *       ({@link dev.ep4j.sim.event.ExactMath}).</li>
 * </ul>
 *
 * <h2>Example</h2>
 * A producer that hands a chunk to a consumer every 2 us, the consumer polling after arrivals of the same
 * picosecond:
 * <pre>{@code
 * Simulator sim = new Simulator();
 * EventHandler consumer = (chunk, unused) -> System.out.println("chunk " + chunk + " at " + sim.nowPs());
 * EventHandler producer = new EventHandler() {
 *     public void onEvent(long chunk, long total) {
 *         sim.scheduleAfter(500_000L, EventClass.POLL, consumer, chunk, 0L);   // seen 0.5 us later
 *         if (chunk + 1 < total) {
 *             sim.scheduleAfter(2 * Durations.PS_PER_US, EventClass.DEFAULT, this, chunk + 1, total);
 *         }
 *     }
 * };
 * sim.schedule(0L, EventClass.DEFAULT, producer, 0L, 4L);
 * sim.runUntilIdle();   // chunks 0..3 at 0.5, 2.5, 4.5, 6.5 us
 * }</pre>
 *
 * <p>Everything here is single-threaded by design: one simulator per run, parallelism across runs only.
 */
package dev.ep4j.sim.event;
