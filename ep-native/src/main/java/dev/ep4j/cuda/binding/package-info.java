/**
 * The JavaCPP binding of {@code libep4j_kernels.so}'s flat C API (generated at build time; to come).
 */
package dev.ep4j.cuda.binding;
