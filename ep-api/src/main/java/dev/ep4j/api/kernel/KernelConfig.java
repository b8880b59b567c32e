package dev.ep4j.api.kernel;

import dev.ep4j.api.error.ConfigException;

/**
 * Tuning of the normal (high-throughput) kernels, DeepEP's {@code Config}: SMs used, and the chunk and ring sizes of
 * the NVLink and RDMA rings, all in tokens.
 *
 * <p>The compact constructor applies DeepEP's construction rule (the RDMA ring capacity is rounded up to a multiple
 * of the RDMA send chunk, so {@link #rdmaRecvTokens()} returns the rounded value) and the validation rules of
 * semantics.md §2.1; the extra rules that only internode combine needs are in
 * {@link #validateForInternodeCombine(int)}. Immutable and thread-safe.
 *
 * @param numSms          SMs the normal kernels use; even; channels = numSms / 2.
 * @param nvlChunkTokens  NVLink send chunk: tokens moved before a tail is published.
 * @param nvlRecvTokens   NVLink ring capacity per (channel, peer), in tokens.
 * @param rdmaChunkTokens RDMA send chunk: tokens per RDMA put and per credit return.
 * @param rdmaRecvTokens  RDMA ring capacity per (channel, peer node), in tokens (rounded up to a multiple of
 *                        {@code rdmaChunkTokens}).
 */
public record KernelConfig(
    int numSms, int nvlChunkTokens, int nvlRecvTokens, int rdmaChunkTokens, int rdmaRecvTokens) {

    /** DeepEP's default SM count for normal kernels ({@code Buffer.num_sms}). */
    public static final int DEFAULT_NUM_SMS = 20;

    /**
     * Rounds and validates.
     *
     * @throws ConfigException naming the field, its value and the rule it breaks.
     */
    public KernelConfig {
        if (numSms <= 0 || numSms % 2 != 0) {
            throw new ConfigException("numSms=" + numSms + " must be a positive even number (channels = numSms / 2)");
        }
        positive("nvlChunkTokens", nvlChunkTokens);
        positive("nvlRecvTokens", nvlRecvTokens);
        positive("rdmaChunkTokens", rdmaChunkTokens);
        positive("rdmaRecvTokens", rdmaRecvTokens);
        if (nvlChunkTokens >= nvlRecvTokens) {
            throw new ConfigException("nvlChunkTokens=" + nvlChunkTokens + " must be < nvlRecvTokens="
                + nvlRecvTokens + ": the sender reserves a whole chunk of ring space; raise nvlRecvTokens");
        }
        final int rounded = (int) ceilDiv(rdmaRecvTokens, rdmaChunkTokens) * rdmaChunkTokens;
        if (rdmaChunkTokens >= rounded || rdmaChunkTokens > rounded / 2) {
            throw new ConfigException("rdmaChunkTokens=" + rdmaChunkTokens + " must be <= rdmaRecvTokens/2 (rdmaRecvTokens="
                + rdmaRecvTokens + " rounded up to a multiple of the chunk is " + rounded
                + "): credits return lazily, so the ring must hold two chunks; raise rdmaRecvTokens to >= "
                + 2 * rdmaChunkTokens);
        }
        rdmaRecvTokens = rounded;
    }

    private static void positive(final String name, final int v) {
        if (v <= 0) {
            throw new ConfigException(name + "=" + v + " must be > 0");
        }
    }

    static long ceilDiv(final long a, final long b) {
        return (a + b - 1) / b;
    }

    /**
     * @return channels, {@code numSms / 2}; channel c uses SMs 2c and 2c+1.
     */
    public int channels() {
        return numSms / 2;
    }

    /**
     * @param numSms new SM count.
     * @return a copy with another SM count.
     */
    public KernelConfig withNumSms(final int numSms) {
        return new KernelConfig(numSms, nvlChunkTokens, nvlRecvTokens, rdmaChunkTokens, rdmaRecvTokens);
    }

    /**
     * @param chunk NVLink send chunk in tokens.
     * @return a copy with another NVLink chunk.
     */
    public KernelConfig withNvlChunkTokens(final int chunk) {
        return new KernelConfig(numSms, chunk, nvlRecvTokens, rdmaChunkTokens, rdmaRecvTokens);
    }

    /**
     * The additional rules of internode combine (semantics.md §2.1): the NVLink ring is split into one sub-ring per
     * node, and each forwarder group has {@code W = max(24 / nodes, 1)} warps.
     *
     * @param nodes number of nodes (N_rdma), at least 2.
     * @throws ConfigException naming the broken rule and the values.
     */
    public void validateForInternodeCombine(final int nodes) {
        if (nodes < 2) {
            return;
        }
        final int w = Math.max(24 / nodes, 1);
        final String at = " (nodes=" + nodes + ", nvlRecvTokens=" + nvlRecvTokens + ", nvlChunkTokens="
            + nvlChunkTokens + ", rdmaChunkTokens=" + rdmaChunkTokens + ", forwarder warps W=" + w + ")";
        if (nvlRecvTokens % nodes != 0) {
            throw new ConfigException("internode combine needs nvlRecvTokens divisible by the node count" + at);
        }
        final int sub = nvlRecvTokens / nodes;
        if (nvlChunkTokens > sub) {
            throw new ConfigException("internode combine needs nvlChunkTokens <= nvlRecvTokens/nodes=" + sub + at);
        }
        if (sub <= Math.max(rdmaChunkTokens, nvlChunkTokens)) {
            throw new ConfigException("internode combine needs nvlRecvTokens/nodes=" + sub
                + " > max(rdmaChunkTokens, nvlChunkTokens)" + at);
        }
        if (sub - w < nvlChunkTokens) {
            throw new ConfigException("internode combine needs nvlRecvTokens/nodes - W >= nvlChunkTokens" + at);
        }
        if (rdmaChunkTokens < w) {
            throw new ConfigException("internode combine needs rdmaChunkTokens >= W" + at);
        }
    }

    @Override
    public String toString() {
        return "Config(" + numSms + ", " + nvlChunkTokens + ", " + nvlRecvTokens + ", " + rdmaChunkTokens + ", "
            + rdmaRecvTokens + ")";
    }
}
