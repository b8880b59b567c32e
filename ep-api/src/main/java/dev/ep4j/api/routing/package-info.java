/**
 * Seeded, deterministic routing generators (uniform top-k, group-limited gating, Zipf-skewed), masking and weights,
 * the {@link dev.ep4j.api.routing.RoutingSpec} that names them in scenarios, and replay of recorded routing traces.
 * All randomness comes from {@link dev.ep4j.api.routing.RandomStream}s keyed by (seed, purpose, rank), so outputs
 * are byte-identical across runs, JVM versions and backends.
 */
package dev.ep4j.api.routing;
