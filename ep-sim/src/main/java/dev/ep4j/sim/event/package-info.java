/**
 * The simulator's event core (to come): virtual time in {@code long} picoseconds, a total event order
 * (time, class, sequence), a primitive heap, one thread per run.
 */
package dev.ep4j.sim.event;
