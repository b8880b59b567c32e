/**
 * JMH benchmarks of ep4j's CPU paths. They are run by hand from {@code ep-bench/target/benchmarks.jar} (see
 * {@code ep-bench/README.md}), never as part of the build's tests.
 */
package dev.ep4j.bench;
