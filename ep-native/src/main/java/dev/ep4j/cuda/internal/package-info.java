/**
 * Helpers of the cuda backend not meant for users: the native library loader with its remembered unavailability
 * causes, and the mapping of C API errors to ep4j exceptions.
 */
package dev.ep4j.cuda.internal;
