/**
 * The simulator's outputs: the results table, {@code results.json} and {@code results.csv}
 * ({@link dev.ep4j.sim.stats.Reports}), PNG charts ({@link dev.ep4j.sim.stats.Charts}) and the Chrome/Perfetto
 * {@code trace.json} ({@link dev.ep4j.sim.stats.ChromeTrace}); all byte-identical for identical inputs.
 */
package dev.ep4j.sim.stats;
