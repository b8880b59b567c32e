package dev.ep4j.sim.timing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccountingTest {
    @Test
    void shouldUseDeepEpsPerTokenBytes() {
        assertThat(Accounting.tokenBytes(7168, true)).isEqualTo(7168 + 224);
        assertThat(Accounting.tokenBytes(7168, false)).isEqualTo(14336);
        // FP8 = (1 + 4/128) / 2 of BF16, the tests' fp8_factor
        assertThat(Accounting.tokenBytes(7168, true)).isEqualTo((long) (14336 * (1 + 4.0 / 128) / 2));
        // calibration.md: 16 B header + 7168 B FP8 + 224 B scales = 7408 B per LL message
        assertThat(Accounting.llDispatchMessageBytes(7168, true)).isEqualTo(7408);
        assertThat(Accounting.llDispatchMessageBytes(7168, false)).isEqualTo(14352);
        assertThat(Accounting.llCombineBytes(7168, false)).isEqualTo(14336);
        assertThat(Accounting.llCombineBytes(7168, true)).isEqualTo(7168 * 10 / 8 + 224);
    }

    @Test
    void shouldSizeRingRecordsAsTheKernels() {
        // semantics.md §5.3: internode FP8 record with S = 56 scales and K = 8 is 7472 B; BF16 14416 B; combine 14384 B
        final ResolvedTopology hw = Fixtures.hardware(2, 8);
        final Topology two = new Topology(2, 8);
        final List<HostTensor> topk = Fixtures.topk(1, 8, 16, (r, t, j) -> j);
        final KernelConfig cfg = new KernelConfig(8, 4, 16, 4, 8);
        assertThat(Accounting.recordBytes(Fixtures.normal(hw, two, OpKind.DISPATCH, cfg, 7168, 8, true, 16, topk)))
            .isEqualTo(7472);
        assertThat(Accounting.recordBytes(Fixtures.normal(hw, two, OpKind.DISPATCH, cfg, 7168, 8, false, 16, topk)))
            .isEqualTo(14416);
        assertThat(Accounting.recordBytes(Fixtures.normal(hw, two, OpKind.COMBINE, cfg, 7168, 8, false, 16, topk)))
            .isEqualTo(14384);
        // intranode: data + int32 source index + K int64 indices + K float weights + S float scales
        assertThat(Accounting.intranodeDispatchRecordBytes(7168, true, 8)).isEqualTo(7168 + 4 + 64 + 32 + 224);
        assertThat(Accounting.intranodeCombineRecordBytes(7168, 8)).isEqualTo(14336 + 4 + 32);
    }

    /**
     * Two ranks, 4 experts (2 each), 2 tokens each, K = 2, H = 128 (S = 1): rank 0 sends token 0 to both ranks and
     * token 1 to itself; rank 1 sends token 0 to itself and token 1 to both.
     */
    @Test
    void shouldCountReceivedTokensIncludingTheOwnRankIntranode() {
        final ResolvedTopology hw = Fixtures.hardware(1, 2);
        final Topology shape = new Topology(1, 2);
        final long[][] experts = {{0, 2}, {1, 0}, {3, 2}, {0, 3}};
        final List<HostTensor> topk = Fixtures.topk(2, 2, 2, (r, t, j) -> experts[r * 2 + t][j]);
        final TimingCase d = Fixtures.normal(hw, shape, OpKind.DISPATCH, new KernelConfig(2, 1, 4, 1, 2), 128, 2,
            true, 4, topk);
        // rank 0 receives 2 from itself + 1 from rank 1; rank 1 receives 1 + 2; FP8 token = 128 + 4 bytes
        assertThat(Accounting.logicalBytes(d)).containsExactly(3 * 132, 3 * 132);
        final long rec = 128 + 4 + 2 * 8 + 2 * 4 + 4;
        final Map<String, Long> loads = bytes(Accounting.loads(d));
        assertThat(loads).containsEntry("gpu0 nvlink-tx", rec).containsEntry("gpu0 nvlink-rx", rec)
            .containsEntry("gpu1 nvlink-tx", rec).containsEntry("gpu1 nvlink-rx", rec)
            .containsEntry("gpu0 sm ch0 sender", 3 * rec).containsEntry("gpu0 sm ch0 receiver", 3 * rec);
        assertThat(loads.keySet()).noneMatch(k -> k.startsWith("nic"));
        // combine returns the same rows as BF16 (2H) and the owner reduces 2H per received row
        final TimingCase c = Fixtures.normal(hw, shape, OpKind.COMBINE, new KernelConfig(2, 1, 4, 1, 2), 128, 2,
            false, 4, topk);
        assertThat(Accounting.logicalBytes(c)).containsExactly(3 * 256, 3 * 256);
        assertThat(bytes(Accounting.loads(c))).containsEntry("gpu1 nvlink-tx", 256 + 4 + 8L)
            .containsEntry("gpu0 sm ch0 reducer", 3 * 256L);
    }

    /**
     * 2 nodes x 2 GPUs, 4 experts (one per rank), K = 2: every token of rank (i, n) goes to both GPUs of the other
     * node. RDMA carries it once (to the same-index GPU), the forwarder fans it out by NVLink to its neighbour.
     */
    @Test
    void shouldDeduplicateInternodeTokensPerNodeAndCountTheOwnNode() {
        final ResolvedTopology hw = Fixtures.hardware(2, 2);
        final Topology shape = new Topology(2, 2);
        final int tokens = 10;
        final List<HostTensor> topk = Fixtures.topk(tokens, 2, 4, (r, t, j) -> r < 2 ? 2 + j : j);
        final TimingCase d = Fixtures.normal(hw, shape, OpKind.DISPATCH, new KernelConfig(2, 1, 4, 1, 2), 128, 2,
            true, 4, topk);
        // (token, node) pairs: one per token (own node not used), FP8 132 B each
        assertThat(Accounting.logicalBytes(d)).containsExactly(tokens * 132L, tokens * 132L, tokens * 132L,
            tokens * 132L);
        // record: 128 data + 4 scale + 8 SourceMeta + 2 x 4 indices + 2 x 4 weights = 156, padded to 160
        assertThat(Accounting.recordBytes(d)).isEqualTo(160);
        final Map<String, Long> loads = bytes(Accounting.loads(d));
        assertThat(loads).containsEntry("nic0 tx", tokens * 160L).containsEntry("nic2 rx", tokens * 160L)
            .containsEntry("gpu2 nvlink-tx", tokens * 160L).containsEntry("gpu3 nvlink-rx", tokens * 160L)
            .containsEntry("gpu0 pcie-tx", tokens * 160L);
        // combine: same pairs, BF16 records (2H + SourceMeta + K weights, padded) in the other direction
        final TimingCase c = Fixtures.normal(hw, shape, OpKind.COMBINE, new KernelConfig(2, 1, 4, 1, 2), 128, 2,
            false, 4, topk);
        assertThat(Accounting.logicalBytes(c)[0]).isEqualTo(tokens * 256L);
        assertThat(bytes(Accounting.loads(c))).containsEntry("nic2 tx", tokens * 272L)
            .containsEntry("gpu3 nvlink-tx", tokens * 272L);
    }

    @Test
    void shouldSendOneLowLatencyMessagePerValidSelection() {
        final ResolvedTopology hw = Fixtures.hardware(2, 2);
        final Topology shape = new Topology(2, 2);
        // rank 0: every token selects expert 1 (rank 1, same node) and expert 2 (rank 2, other node); one masked
        final List<HostTensor> topk = Fixtures.topk(100, 3, 4, (r, t, j) -> r != 0 ? -1 : j == 2 ? -1 : 1 + j);
        final LowLatencyTraffic t = LowLatencyTraffic.of(shape, 4, topk);
        final TimingCase d = new TimingCase(hw, shape, OpKind.LL_DISPATCH, null, 128, 3, true, false, null, t, 100);
        assertThat(Accounting.logicalBytes(d)).containsExactly(200 * 148L, 0, 0, 0);
        final Map<String, Long> loads = bytes(Accounting.loads(d));
        assertThat(loads).containsEntry("gpu0 nvlink-tx", 100 * 148L).containsEntry("nic0 tx", 100 * 148L)
            .containsEntry("nic2 rx", 100 * 148L).containsEntry("nic0 message issue", 100L);
        final TimingCase c = new TimingCase(hw, shape, OpKind.LL_COMBINE, null, 128, 3, false, false, null, t, 100);
        assertThat(Accounting.logicalBytes(c)).containsExactly(200 * 256L, 0, 0, 0);
        assertThat(bytes(Accounting.loads(c))).containsEntry("gpu1 nvlink-tx", 100 * 256L)
            .containsEntry("nic2 tx", 100 * 256L);
    }

    private static Map<String, Long> bytes(final List<ResourceLoad> loads) {
        final Map<String, Long> m = new LinkedHashMap<>();
        for (final ResourceLoad l : loads) {
            m.put(l.resource(), l.amount());
        }
        return m;
    }
}
