package dev.ep4j.api;

import dev.ep4j.api.error.ConfigException;
import java.time.Duration;

/**
 * Sizes and options of every rank's {@link EpBuffer}, DeepEP's {@code Buffer} constructor arguments.
 *
 * @param nvlBufferBytes  bytes of the NVLink (peer-mapped) buffer per rank; a multiple of 128; 0 for none.
 * @param rdmaBufferBytes bytes of the RDMA (symmetric) buffer per rank; a multiple of 128; 0 for none.
 * @param lowLatencyMode  enable the low-latency kernels (all ranks become NVSHMEM peers).
 * @param numQpsPerRank   queue pairs per rank (&gt;= 1); low-latency mode needs &gt;= E_loc.
 * @param timeout         how long a wait on a peer may last before it fails with
 *                        {@link dev.ep4j.api.error.EpTimeoutException}.
 */
public record BufferSpec(
    long nvlBufferBytes, long rdmaBufferBytes, boolean lowLatencyMode, int numQpsPerRank, Duration timeout) {

    /** Default wait timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Validates sizes and options.
     *
     * @throws ConfigException naming the value and the rule.
     */
    public BufferSpec {
        bytes("nvlBufferBytes", nvlBufferBytes);
        bytes("rdmaBufferBytes", rdmaBufferBytes);
        if (numQpsPerRank < 1) {
            throw new ConfigException("numQpsPerRank=" + numQpsPerRank + " must be >= 1");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException("timeout=" + timeout + " must be a positive duration");
        }
    }

    private static void bytes(final String name, final long v) {
        if (v < 0 || v % 128 != 0) {
            throw new ConfigException(name + "=" + v + " must be a non-negative multiple of 128; round it up to "
                + ((Math.max(v, 0) + 127) / 128 * 128));
        }
    }

    /**
     * @param nvlBufferBytes NVLink buffer bytes.
     * @return a normal-mode, single-node spec.
     */
    public static BufferSpec normal(final long nvlBufferBytes) {
        return new BufferSpec(nvlBufferBytes, 0, false, 24, DEFAULT_TIMEOUT);
    }

    /**
     * @param nvlBufferBytes  NVLink buffer bytes.
     * @param rdmaBufferBytes RDMA buffer bytes.
     * @return a normal-mode spec for internode groups.
     */
    public static BufferSpec normal(final long nvlBufferBytes, final long rdmaBufferBytes) {
        return new BufferSpec(nvlBufferBytes, rdmaBufferBytes, false, 24, DEFAULT_TIMEOUT);
    }

    /**
     * @param rdmaBufferBytes RDMA buffer bytes (see {@link dev.ep4j.api.kernel.BufferSizing#lowLatencySizeHint}).
     * @param numQpsPerRank   queue pairs, &gt;= local experts.
     * @return a low-latency spec.
     */
    public static BufferSpec lowLatency(final long rdmaBufferBytes, final int numQpsPerRank) {
        return new BufferSpec(0, rdmaBufferBytes, true, numQpsPerRank, DEFAULT_TIMEOUT);
    }

    /**
     * @param t wait timeout.
     * @return a copy with another timeout.
     */
    public BufferSpec withTimeout(final Duration t) {
        return new BufferSpec(nvlBufferBytes, rdmaBufferBytes, lowLatencyMode, numQpsPerRank, t);
    }
}
