/**
 * Helpers of the cuda backend not meant for users (library loading, device probes; to come).
 */
package dev.ep4j.cuda.internal;
