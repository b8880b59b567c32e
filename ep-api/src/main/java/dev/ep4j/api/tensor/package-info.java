/**
 * Host tensors (dtype, shape, little-endian direct buffer) and NumPy {@code .npy} reading and writing.
 */
package dev.ep4j.api.tensor;
