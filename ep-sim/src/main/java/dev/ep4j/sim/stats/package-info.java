/**
 * The simulator's outputs (to come): per-phase times, DeepEP-convention bandwidths, link utilisation, tables,
 * JSON/CSV, charts and Perfetto traces.
 */
package dev.ep4j.sim.stats;
