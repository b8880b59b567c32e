/**
 * The {@code ep4j} command line (picocli): simulate, size-hint, validate, info.
 */
package dev.ep4j.sim.cli;
