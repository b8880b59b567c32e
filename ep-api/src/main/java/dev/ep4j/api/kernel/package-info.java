/**
 * Kernel tuning ({@link dev.ep4j.api.kernel.KernelConfig}), DeepEP's default config tables and buffer sizing: the
 * reference size hints and the exact bytes a call needs.
 */
package dev.ep4j.api.kernel;
