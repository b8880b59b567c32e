/**
 * The hand-written JavaCPP binding of {@code libep4j_kernels.so}'s flat C API ({@code src/main/cuda/ep4j_kernels.h});
 * its JNI glue is generated and compiled at build time where nvcc exists.
 */
package dev.ep4j.cuda.binding;
