package dev.ep4j.api.kernel;

import dev.ep4j.api.topology.Topology;

/**
 * Buffer sizes: DeepEP's three size hints with their exact formulas (semantics.md §2.3, §2.4), and the bytes a
 * given call actually needs with the ring layouts the ep4j backends use.
 *
 * <p>The hints are upper bounds that assume 128 top-k slots and 128 scale slots per token; the {@code *Needs}
 * methods use the real top-k and scale counts of the call. A buffer passes a call's check when it holds at least
 * the need. Stateless and thread-safe.
 */
public final class BufferSizing {
    /** Top-k slots and scale slots per token the hints assume. */
    public static final int HINT_SLOTS = 128;
    /** Bytes of one SourceMeta record (src node, NVL mask). */
    public static final int SOURCE_META_BYTES = 8;
    /** Bytes of a top-k index on intranode rings ({@code topk_idx_t}, int64). */
    public static final int TOPK_IDX_BYTES = 8;
    /** Alignment of every buffer size, in bytes. */
    public static final int ALIGN = 128;
    /** DeepEP V1's fixed NVLink peer count, used by the DeepEP-compatible hint overloads. */
    public static final int DEEPEP_NVL_PEERS = 8;

    private BufferSizing() {
    }

    /**
     * DeepEP's {@code get_nvl_buffer_size_hint}: NVLink buffer bytes for a group of {@code ranks} with 8 GPUs per
     * node.
     *
     * @param config      the kernel config (SMs, NVLink ring size).
     * @param hiddenBytes bytes of one token row (DeepEP's example uses H x max(element size, 2)).
     * @param ranks       EP group size.
     * @return bytes, a multiple of 128.
     */
    public static long nvlSizeHint(final KernelConfig config, final long hiddenBytes, final int ranks) {
        return nvlHint(config, hiddenBytes, Math.min(ranks, DEEPEP_NVL_PEERS), Math.max(ranks / 8, 1));
    }

    /**
     * The NVLink hint generalised to any topology: peers = GPUs per node, nodes = node count.
     *
     * @param config      the kernel config.
     * @param hiddenBytes bytes of one token row.
     * @param topology    the group's shape.
     * @return bytes, a multiple of 128.
     */
    public static long nvlSizeHint(final KernelConfig config, final long hiddenBytes, final Topology topology) {
        return nvlHint(config, hiddenBytes, topology.gpusPerNode(), topology.nodes());
    }

    private static long nvlHint(final KernelConfig c, final long hb, final int nr, final int rr) {
        final long cn = (long) c.channels() * nr;
        final long ring = cn * c.nvlRecvTokens();
        final long bytes = cn * (2L * rr + 3) * 4
            + ring * hb
            + ring * SOURCE_META_BYTES
            + ring * HINT_SLOTS * TOPK_IDX_BYTES
            + ring * HINT_SLOTS * 4
            + ring * HINT_SLOTS * 4;
        return alignUp(bytes, ALIGN);
    }

    /**
     * DeepEP's {@code get_rdma_buffer_size_hint}: RDMA buffer bytes for a group of {@code ranks} with 8 GPUs per
     * node; 0 when the group fits in one node (ranks &lt;= 8).
     *
     * @param config      the kernel config (SMs, RDMA ring size after rounding).
     * @param hiddenBytes bytes of one token row.
     * @param ranks       EP group size.
     * @return bytes, a multiple of 128, or 0.
     */
    public static long rdmaSizeHint(final KernelConfig config, final long hiddenBytes, final int ranks) {
        return ranks <= DEEPEP_NVL_PEERS ? 0 : rdmaHint(config, hiddenBytes, ranks / 8);
    }

    /**
     * The RDMA hint generalised to any topology; 0 for a single node.
     *
     * @param config      the kernel config.
     * @param hiddenBytes bytes of one token row.
     * @param topology    the group's shape.
     * @return bytes, a multiple of 128, or 0.
     */
    public static long rdmaSizeHint(final KernelConfig config, final long hiddenBytes, final Topology topology) {
        return topology.nodes() == 1 ? 0 : rdmaHint(config, hiddenBytes, topology.nodes());
    }

    private static long rdmaHint(final KernelConfig c, final long hb, final int rr) {
        final long cr = (long) c.channels() * rr;
        final long ring = cr * c.rdmaRecvTokens();
        final long bytes = cr * (8 * 2 + 2) * 2 * 4
            + ring * hb * 2
            + ring * SOURCE_META_BYTES * 2
            + ring * HINT_SLOTS * TOPK_IDX_BYTES * 2
            + ring * HINT_SLOTS * 4 * 2
            + ring * HINT_SLOTS * 4 * 2
            + ring * 16 * 2;
        return alignUp(bytes, ALIGN);
    }

    /**
     * DeepEP's {@code get_low_latency_rdma_size_hint}: {@code floor((total + 128) / 128) * 128} where total is
     * the two ping-pong buffers of {@link LowLatencyLayout} (the formula adds 128 bytes even when total is
     * aligned). Does not depend on the rank count except through the expert count.
     *
     * @param maxTokens tokens per rank at most (T_max).
     * @param hidden    hidden size in elements (a multiple of 128).
     * @param ranks     EP group size (experts must divide by it).
     * @param experts   total experts.
     * @return bytes.
     */
    public static long lowLatencySizeHint(final int maxTokens, final int hidden, final int ranks, final int experts) {
        final long total = LowLatencyLayout.of(maxTokens, hidden, experts).totalBytes();
        return (total + ALIGN) / ALIGN * ALIGN;
    }

    /**
     * NVLink buffer bytes an intranode dispatch needs (semantics.md §4.4, with the real top-k and scale counts):
     * rank prefix matrix, channel start/end/head/tail, then per (channel, peer) rings of data, source index, top-k
     * indices, weights and scales.
     *
     * @param config      the dispatch config.
     * @param ranks       ranks in the NVLink domain taking part.
     * @param hiddenBytes bytes of one token row as sent (H for FP8, 2H for BF16).
     * @param topK        top-k columns sent (0 without top-k).
     * @param numScales   float scales per token (H/128 for FP8 float scales, H/512 int32 words for UE8M0, else 0).
     * @return bytes.
     */
    public static long intranodeDispatchNvlNeed(
        final KernelConfig config, final int ranks, final long hiddenBytes, final int topK, final int numScales) {
        final long cr = (long) config.channels() * ranks;
        final long ring = cr * config.nvlRecvTokens();
        return (long) ranks * ranks * 4
            + 4 * cr * 4
            + ring * hiddenBytes
            + ring * 4
            + ring * topK * TOPK_IDX_BYTES
            + ring * topK * 4
            + ring * numScales * 4L;
    }

    /**
     * NVLink buffer bytes an intranode combine needs (semantics.md §4.7): head and tail, then per (channel, peer)
     * rings of BF16 data, source index and weights.
     *
     * @param config the combine config.
     * @param ranks  ranks in the NVLink domain taking part.
     * @param hidden hidden size in elements (combine is BF16: 2 bytes each).
     * @param topK   top-k columns of weights returned (0 without weights).
     * @return bytes.
     */
    public static long intranodeCombineNvlNeed(
        final KernelConfig config, final int ranks, final int hidden, final int topK) {
        final long cr = (long) config.channels() * ranks;
        final long ring = cr * config.nvlRecvTokens();
        return 2 * cr * 4 + ring * 2L * hidden + ring * 4 + ring * topK * 4L;
    }

    /**
     * Bytes of one internode dispatch record: hidden | scales | SourceMeta | top-k int32 | weights, rounded up to
     * 16 (semantics.md §5.3).
     *
     * @param hiddenBytes bytes of the token row as sent.
     * @param numScales   4-byte scale words per token.
     * @param topK        top-k columns.
     * @return bytes, a multiple of 16.
     */
    public static long internodeDispatchRecordBytes(final long hiddenBytes, final int numScales, final int topK) {
        return alignUp(hiddenBytes + 4L * numScales + SOURCE_META_BYTES + 4L * topK + 4L * topK, 16);
    }

    /**
     * Bytes of one internode combine record: BF16 hidden | SourceMeta | weights, rounded up to 16.
     *
     * @param hidden hidden size in elements.
     * @param topK   top-k columns.
     * @return bytes, a multiple of 16.
     */
    public static long internodeCombineRecordBytes(final int hidden, final int topK) {
        return alignUp(2L * hidden + SOURCE_META_BYTES + 4L * topK, 16);
    }

    /**
     * Buffer bytes an internode call needs (semantics.md §5.5): NVLink rings per (channel, source GPU) of
     * {@code nvlRecvTokens} records plus prefix/head/tail ints; RDMA rings per (channel, peer node) of
     * {@code rdmaRecvTokens} records in a send half and a receive half, plus metadata, head and tail.
     *
     * @param config      the call's config.
     * @param topology    the group's shape (nodes &gt; 1).
     * @param recordBytes bytes of one record ({@link #internodeDispatchRecordBytes} or
     *                    {@link #internodeCombineRecordBytes}).
     * @return the NVLink and RDMA bytes.
     */
    public static BufferNeed internodeNeed(
        final KernelConfig config, final Topology topology, final long recordBytes) {
        final long c = config.channels();
        final long g = topology.gpusPerNode();
        final long n = topology.nodes();
        final long nvl = c * g * config.nvlRecvTokens() * recordBytes + c * g * (2 * n + 2) * 4;
        final long rdma = c * n * config.rdmaRecvTokens() * recordBytes * 2 + (2 * g + 4) * n * 2 * c * 4;
        return new BufferNeed(nvl, rdma);
    }

    /**
     * @param value     a byte count.
     * @param alignment a power of two.
     * @return {@code value} rounded up to a multiple of {@code alignment}.
     */
    public static long alignUp(final long value, final long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /**
     * Bytes one call needs in each buffer.
     *
     * @param nvlBytes  NVLink (peer-mapped) buffer bytes.
     * @param rdmaBytes RDMA (symmetric) buffer bytes.
     */
    public record BufferNeed(long nvlBytes, long rdmaBytes) {
        /**
         * @param other another need.
         * @return the element-wise maximum (a buffer serving both calls).
         */
        public BufferNeed max(final BufferNeed other) {
            return new BufferNeed(Math.max(nvlBytes, other.nvlBytes), Math.max(rdmaBytes, other.rdmaBytes));
        }
    }
}
