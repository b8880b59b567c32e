/**
 * The GPU benchmark runner carried in the GPU bundle ({@code bench.sh}): today the copy-bandwidth ceiling; dispatch
 * and combine tables come with their kernels.
 */
package dev.ep4j.cuda.bench;
