package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.bf16ToFloat;
import static dev.ep4j.api.contract.ContractSupport.floatToBf16;
import static dev.ep4j.api.contract.ContractSupport.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.contract.ContractReference.DispatchExpected;
import dev.ep4j.api.contract.ContractReference.Layout;
import dev.ep4j.api.contract.ContractReference.LlExpected;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.contract.ContractReference.Routes;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks the contract kit's reference on tiny cases worked out by hand (the expected values below are written
 * from docs/semantics.md, not computed), so that the reference cannot silently be wrong.
 */
class ReferenceSelfTest {
    private static final float HALF_ULP_AT_ONE = 0x1p-8f; // half a bf16 ulp at 1.0
    private static final float TINY = 0x1p-24f;

    // --- the intranode case: 1x2, E = 4 (experts 0,1 on rank 0; 2,3 on rank 1), K = 2, T = 3, 2 channels ---------
    // rank 0: t0 [0, 3] -> ranks 0, 1; t1 [1, -1] -> rank 0; t2 [2, 3] -> rank 1   (channels: {t0, t1}, {t2})
    // rank 1: t0 [-1, -1] -> nowhere;  t1 [3, 0] -> ranks 1, 0; t2 [1, 2] -> ranks 0, 1
    private static final long[][][] IDX = {
        {{0, 3}, {1, -1}, {2, 3}},
        {{-1, -1}, {3, 0}, {1, 2}},
    };

    static HostTensor idx(final long[][] rows, final int k) {
        final HostTensor t = HostTensor.zeros(DType.INT64, rows.length, k);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < k; j++) {
                t.setLong((long) i * k + j, rows[i][j]);
            }
        }
        return t;
    }

    static HostTensor bf16Rows(final float[][] rows, final int h) {
        final HostTensor t = HostTensor.zeros(DType.BF16, rows.length, h);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < h; j++) {
                t.setShort((long) i * h + j, floatToBf16(rows[i][j % rows[i].length]));
            }
        }
        return t;
    }

    static HostTensor floats(final float[][] rows, final int k) {
        final HostTensor t = HostTensor.zeros(DType.FLOAT32, rows.length, k);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < k; j++) {
                t.setFloat((long) i * k + j, rows[i][j]);
            }
        }
        return t;
    }

    /** x[r][t] = 10 r + t in every column; weights w[r][t][k] = 100 r + 10 t + k. */
    static NormalInputs intranodeCase() {
        final Topology topo = Topology.singleNode(2);
        final List<HostTensor> x = new ArrayList<>();
        final List<HostTensor> s = new ArrayList<>();
        final List<HostTensor> ids = new ArrayList<>();
        final List<HostTensor> w = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            x.add(bf16Rows(new float[][] {{10 * r}, {10 * r + 1}, {10 * r + 2}}, 8));
            s.add(null);
            ids.add(idx(IDX[r], 2));
            w.add(floats(new float[][] {{100 * r, 100 * r + 1}, {100 * r + 10, 100 * r + 11},
                {100 * r + 20, 100 * r + 21}}, 2));
        }
        return new NormalInputs(topo, 4, 8, 2, x, s, ids, w);
    }

    @Test
    void shouldComputeLayoutOfHandWorkedRouting() {
        final Layout l0 = ContractReference.layout(idx(IDX[0], 2), 4, Topology.singleNode(2));
        assertThat(l0.perRank()).containsExactly(2, 2);
        assertThat(l0.perExpert()).containsExactly(1, 1, 1, 2);
        assertThat(l0.perNode()).containsExactly(3);
        assertThat(l0.inRank()).isEqualTo(new boolean[][] {{true, true}, {true, false}, {false, true}});
        final Layout l1 = ContractReference.layout(idx(IDX[1], 2), 4, new Topology(2, 1));
        assertThat(l1.perRank()).containsExactly(2, 2);
        assertThat(l1.perNode()).containsExactly(2, 2);
        assertThat(l1.perExpert()).containsExactly(1, 1, 1, 1);
    }

    @Test
    void shouldPlaceRowsOfHandWorkedIntranodeDispatch() {
        final NormalInputs in = intranodeCase();
        final Routes routes = new Routes(in, 2);
        final DispatchExpected r0 = ContractReference.dispatch(in, routes, 0, 1, 0);
        // rank 0 receives (0,t0) (0,t1) (1,t1) (1,t2)
        assertThat(r0.numRecv).isEqualTo(4);
        assertThat(ints(r0.recvSrcIdx)).containsExactly(0, 1, 1, 2);
        assertThat(column0(r0.recvX)).containsExactly(0f, 1f, 11f, 12f);
        assertThat(longs(r0.recvTopkIdx)).containsExactly(0, -1, 1, -1, -1, 0, 1, -1);
        assertThat(floats(r0.recvTopkWeights)).containsExactly(0f, 0f, 10f, 0f, 0f, 111f, 120f, 0f);
        assertThat(r0.perExpert).containsExactly(2, 2);
        assertThat(ints(r0.rankPrefix)).containsExactly(2, 2, 4, 4);
        assertThat(ints(r0.channelPrefix)).containsExactly(2, 2, 1, 2); // to rank 0: {t0,t1},{} ; to 1: {t0},{t2}
        assertThat(ints(r0.recvChannelPrefix)).containsExactly(0, 2, 0, 1);
        assertThat(ints(r0.sendHead)).containsExactly(0, 0, 1, -1, -1, 0);

        final DispatchExpected r1 = ContractReference.dispatch(in, routes, 1, 2, 0);
        // rank 1 receives (0,t0) (0,t2) (1,t1) (1,t2)
        assertThat(ints(r1.recvSrcIdx)).containsExactly(0, 2, 1, 2);
        assertThat(column0(r1.recvX)).containsExactly(0f, 2f, 11f, 12f);
        assertThat(longs(r1.recvTopkIdx)).containsExactly(-1, 1, 0, 1, 1, -1, -1, 0);
        assertThat(floats(r1.recvTopkWeights)).containsExactly(0f, 1f, 20f, 21f, 110f, 0f, 0f, 121f);
        assertThat(r1.perExpert).containsExactly(2, 4); // 2 and 3 selections, aligned to 2
        assertThat(ints(r1.channelPrefix)).containsExactly(1, 2, 1, 2);
        assertThat(ints(r1.recvChannelPrefix)).containsExactly(0, 1, 0, 1);
        assertThat(ints(r1.sendHead)).containsExactly(-1, -1, 0, 0, 0, 0);
    }

    @Test
    void shouldPadWorstCaseRows() {
        final NormalInputs in = intranodeCase();
        final DispatchExpected r0 = ContractReference.dispatch(in, new Routes(in, 2), 0, 1, 6);
        assertThat(r0.recvX.shape()).containsExactly(6, 8);
        assertThat(column0(r0.recvX)).containsExactly(0f, 1f, 11f, 12f, 0f, 0f);
        assertThat(ints(r0.recvSrcIdx)).containsExactly(0, 1, 1, 2, -1, -1);
        assertThat(longs(r0.recvTopkIdx)).endsWith(-1, -1, -1, -1);
        assertThat(floats(r0.recvTopkWeights)).endsWith(0f, 0f, 0f, 0f);
    }

    @Test
    void shouldCombineBiasFirstThenRanksAscending() {
        final NormalInputs in = intranodeCase();
        final Routes routes = new Routes(in, 2);
        // rank 0's t0 went to rank 0 (row 0) and rank 1 (row 0). With bias0 = 1, bias1 = 2^-8 and both
        // contributions 2^-24, the float sum in the contract order is ((0 + 1) + 2^-8) + 2^-24 + 2^-24 = 1 + 2^-8
        // (each 2^-24 is half a float ulp: ties to even), a bf16 tie that rounds to even: 1.0. Summing the ranks
        // first would give 1 + 2^-8 + 2^-23 and round up to 1.0078125.
        final List<HostTensor> out = List.of(bf16Rows(new float[][] {{TINY}, {5}, {0}, {0}}, 8),
            bf16Rows(new float[][] {{TINY}, {0}, {0}, {0}}, 8));
        final HostTensor b0 = bf16Rows(new float[][] {{1}, {1}, {1}}, 8);
        final HostTensor b1 = bf16Rows(new float[][] {{HALF_ULP_AT_ONE}, {0}, {0}}, 8);
        final HostTensor[] c = ContractReference.combine(routes, 0, out, null, b0, b1);
        assertThat(c[0].getShort(0)).isEqualTo((short) 0x3F80);
        assertThat(bf16ToFloat(c[0].getShort(8))).isEqualTo(6f); // t1: 1 + 0 + 5
        assertThat(bf16ToFloat(c[0].getShort(16))).isEqualTo(1f); // t2: 1 + rank 1's row 1 (= 0)
        assertThat(c[1]).isNull();
        // rank 1's t0 went nowhere: bias only, or +0 without bias
        final HostTensor[] nobias = ContractReference.combine(routes, 1, out, List.of(
            floats(new float[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}}, 2),
            floats(new float[][] {{10, 20}, {30, 40}, {50, 60}, {70, 80}}, 2)), null, null);
        assertThat(nobias[0].getShort(0)).isEqualTo((short) 0);
        // weights of rank 1's t1: rank 0 row 2 + rank 1 row 2; t2: rank 0 row 3 + rank 1 row 3
        assertThat(floats(nobias[1])).containsExactly(0f, 0f, 55f, 66f, 77f, 88f);
    }

    // --- the internode case: 2x2, E = 4 (expert r on rank r), K = 2, one channel --------------------------------
    // rank 0 (node 0): t0 [1, 3] -> ranks 1, 3; t1 [2, -1] -> rank 2
    // rank 1: no tokens
    // rank 2 (node 1): t0 [0, 1] -> ranks 0, 1; t1 [3, 2] -> ranks 3, 2
    // rank 3 (node 1): t0 [0, -1] -> rank 0
    static NormalInputs internodeCase() {
        final long[][][] ids = {{{1, 3}, {2, -1}}, {}, {{0, 1}, {3, 2}}, {{0, -1}}};
        final List<HostTensor> x = new ArrayList<>();
        final List<HostTensor> s = new ArrayList<>();
        final List<HostTensor> idx = new ArrayList<>();
        final List<HostTensor> w = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            final int t = ids[r].length;
            x.add(HostTensor.zeros(DType.BF16, t, 8));
            s.add(null);
            idx.add(idx(ids[r], 2));
            w.add(HostTensor.zeros(DType.FLOAT32, t, 2));
        }
        return new NormalInputs(new Topology(2, 2), 4, 8, 2, x, s, idx, w);
    }

    @Test
    void shouldFillHandWorkedInternodeHandle() {
        final NormalInputs in = internodeCase();
        final Routes routes = new Routes(in, 1);
        final DispatchExpected[] e = new DispatchExpected[4];
        for (int r = 0; r < 4; r++) {
            e[r] = ContractReference.dispatch(in, routes, r, 1, 0);
        }
        // recv_src_meta: (source node, mask of my node's local ranks the token goes to)
        assertThat(meta(e[0].recvSrcMeta)).containsExactly(1, 3, 1, 1); // (2,t0) -> 0,1 ; (3,t0) -> 0
        assertThat(meta(e[1].recvSrcMeta)).containsExactly(0, 2, 1, 3); // (0,t0) -> 1 ; (2,t0) -> 0,1
        assertThat(meta(e[2].recvSrcMeta)).containsExactly(0, 1, 1, 3); // (0,t1) -> 2 ; (2,t1) -> 3,2
        assertThat(meta(e[3].recvSrcMeta)).containsExactly(0, 2, 1, 3); // (0,t0) -> 3 ; (2,t1) -> 3,2
        // send_rdma_head[t][node]
        assertThat(ints(e[0].sendRdmaHead)).containsExactly(0, 0, -1, 1);
        assertThat(e[1].sendRdmaHead.shape()).containsExactly(0, 2);
        assertThat(ints(e[2].sendRdmaHead)).containsExactly(0, -1, -1, 0);
        assertThat(ints(e[3].sendRdmaHead)).containsExactly(0, -1);
        // send_nvl_head on forwarder (j, n): rows from ranks (i, n) to node j, source node then token
        assertThat(ints(e[0].sendNvlHead)).containsExactly(-1, 0, 0, 1); // rows (0,t0), (2,t0)
        assertThat(ints(e[1].sendNvlHead)).containsExactly(0, -1); // row (3,t0)
        assertThat(ints(e[2].sendNvlHead)).containsExactly(-1, 0, 0, -1, 1, 1); // rows (0,t0), (0,t1), (2,t1)
        assertThat(e[3].sendNvlHead.shape()).containsExactly(0, 2);
        // DeepEP-derived prefixes of rank 2: tokens from (0,0) and (2,0) to node 1 = 2 and 1
        assertThat(ints(e[2].recvRdmaRankPrefixSum)).containsExactly(2, 3);
        assertThat(ints(e[2].recvGblRankPrefixSum)).containsExactly(1, 1, 2, 2);
        assertThat(ints(e[0].rdmaChannelPrefix)).containsExactly(1, 2);
    }

    @Test
    void shouldRoundPerNodePartialsInInternodeCombine() {
        // 2x2, one token on rank 0 going to all four ranks (row 0 everywhere). Node 0 gives 1 + 2^-8 -> bf16 1.0
        // (tie to even); node 1 gives 2^-8 + 0. Two-level: bf16(1 + 2^-8) = 1.0. One flat float sum would be
        // 1 + 2^-7 = 1.0078125.
        final List<HostTensor> x = new ArrayList<>();
        final List<HostTensor> ids = new ArrayList<>();
        final List<HostTensor> s = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            final int t = r == 0 ? 1 : 0;
            x.add(HostTensor.zeros(DType.BF16, t, 8));
            ids.add(idx(r == 0 ? new long[][] {{0, 1, 2, 3}} : new long[0][], 4));
            s.add(null);
        }
        final NormalInputs in = new NormalInputs(new Topology(2, 2), 4, 8, 4, x, s, ids, ids);
        final Routes routes = new Routes(in, 1);
        final List<HostTensor> out = List.of(bf16Rows(new float[][] {{1}}, 8),
            bf16Rows(new float[][] {{HALF_ULP_AT_ONE}}, 8), bf16Rows(new float[][] {{HALF_ULP_AT_ONE}}, 8),
            bf16Rows(new float[][] {{0}}, 8));
        final List<HostTensor> w = List.of(floats(new float[][] {{1, 0, 0, 0}}, 4),
            floats(new float[][] {{0, TINY, 0, 0}}, 4), floats(new float[][] {{0, 0, 1, 0}}, 4),
            floats(new float[][] {{0, 0, 0, TINY}}, 4));
        final HostTensor[] c = ContractReference.combine(routes, 0, out, w, null, null);
        assertThat(c[0].getShort(0)).isEqualTo((short) 0x3F80);
        assertThat(floats(c[1])).containsExactly(1f, TINY, 1f, TINY);
    }

    // --- low latency: 1x2, E = 4 (0,1 on rank 0; 2,3 on rank 1), T_max = 4, H = 512, K = 2 ----------------------
    // rank 0: t0 [1, 2], t1 [-1, 1], t2 [3, 0]; rank 1: t0 [1, 3], t1 [0, -1]
    static LlInputs llCase(final float[][] x0, final float[][] weights0) {
        final List<HostTensor> x = List.of(bf16Rows(x0, 512), bf16Rows(new float[][] {{4}, {5}}, 512));
        final List<HostTensor> ids = List.of(idx(new long[][] {{1, 2}, {-1, 1}, {3, 0}}, 2),
            idx(new long[][] {{1, 3}, {0, -1}}, 2));
        final List<HostTensor> w = List.of(floats(weights0, 2), floats(new float[][] {{1, 1}, {1, 1}}, 2));
        return new LlInputs(Topology.singleNode(2), 4, 512, 4, x, ids, w);
    }

    @Test
    void shouldPackLowLatencyRowsPerSourceBlock() {
        final LlInputs in = llCase(new float[][] {{1}, {2}, {3}}, new float[][] {{1, 1}, {1, 1}, {1, 1}});
        final LlExpected r0 = ContractReference.llDispatch(in, 0, false, false, false);
        assertThat(ints(r0.recvCount)).containsExactly(2, 3);
        assertThat(ints(r0.srcInfo)).containsExactly(2, 1, -1, -1, -1, -1, -1, -1, 0, 1, 0, -1, -1, -1, -1, -1);
        assertThat(longs(r0.layoutRange)).containsExactly(1, (1L << 32) | 1, 2, (2L << 32) | 1);
        assertThat(bf16ToFloat(r0.recvX.getShort(0))).isEqualTo(3f); // expert 0 row 0 = rank 0's t2
        assertThat(bf16ToFloat(r0.recvX.getShort(512))).isEqualTo(5f); // expert 0 row 1 = rank 1's t1
        assertThat(r0.recvX.getShort(2 * 512)).isZero(); // past recv_count
        final LlExpected r1 = ContractReference.llDispatch(in, 1, false, false, false);
        assertThat(ints(r1.recvCount)).containsExactly(1, 2);
        assertThat(longs(r1.layoutRange)).containsExactly(1, 1L << 32, 1, (1L << 32) | 1);
        assertThat(ints(r1.srcInfo)).containsExactly(0, -1, -1, -1, -1, -1, -1, -1, 2, 0, -1, -1, -1, -1, -1, -1);
    }

    @Test
    void shouldStoreLowLatencyScalesTokenContiguous() {
        // rows of ones: amax 1; round_scale: e = ceil(log2(1/448)) = -8, stored 2^-8, codes 1 * 256 = 0x78;
        // UE8M0 byte -8 + 127 = 0x77, four groups per int
        final LlInputs in = llCase(new float[][] {{1}, {1}, {1}}, new float[][] {{1, 1}, {1, 1}, {1, 1}});
        final LlExpected f = ContractReference.llDispatch(in, 0, true, true, false);
        assertThat(f.recvScales.shape()).containsExactly(2, 4, 8); // [E_loc, S, R * T_max]
        assertThat(f.recvX.getByte(0)).isEqualTo((byte) 0x78);
        assertThat(f.recvScales.getFloat(0)).isEqualTo(0x1p-8f); // (e 0, group 0, row 0)
        // (e 0, group 0, row 1) is rank 1's t1 of value 5: ceil(log2(5/448)) = -6; rows are contiguous
        assertThat(f.recvScales.getFloat(1)).isEqualTo(0x1p-6f);
        assertThat(f.recvScales.getFloat(2)).isZero(); // row 2 >= recv_count[0] = 2
        assertThat(f.recvScales.getFloat(8)).isEqualTo(0x1p-8f); // (e 0, group 1, row 0)
        final LlExpected u = ContractReference.llDispatch(in, 0, true, true, true);
        assertThat(u.recvScales.shape()).containsExactly(2, 1, 8);
        assertThat(u.recvScales.getInt(8)).isEqualTo(0x77777777); // (e 1, pack 0, row 0)
        final LlExpected plain = ContractReference.llDispatch(in, 0, true, false, false);
        assertThat(plain.recvX.getByte(0)).isEqualTo((byte) 0x7E); // 1 * 448
        assertThat(plain.recvScales.getFloat(0)).isEqualTo(1f / 448f);
    }

    @Test
    void shouldUseFusedMultiplyAddInLowLatencyCombine() {
        // rank 0's t2 selects [3, 0]: k = 0 reads rank 1 expert 1 row 0, k = 1 reads rank 0 expert 0 row 0.
        // acc = fma(-(1 + 2^-7 + 2^-17), 1, 0); acc = fma(1 + 2^-17, 1 + 2^-7, acc) = 2^-24 exactly (the product
        // 1 + 2^-7 + 2^-17 + 2^-24 is not rounded first); an unfused multiply-add gives 0.
        final float w0 = -(1 + 0x1p-7f + 0x1p-17f);
        final float w1 = 1 + 0x1p-17f;
        final LlInputs in = llCase(new float[][] {{1}, {2}, {3}}, new float[][] {{1, 1}, {1, 1}, {w0, w1}});
        final HostTensor[] packed = {HostTensor.zeros(DType.BF16, 2, 8, 512), HostTensor.zeros(DType.BF16, 2, 8, 512)};
        for (int i = 0; i < 512; i++) {
            packed[0].setShort(i, floatToBf16(1 + 0x1p-7f)); // rank 0, expert 0, row 0
            packed[1].setShort(8 * 512 + i, floatToBf16(1f)); // rank 1, expert 1, row 0
        }
        final HostTensor out = ContractReference.llCombine(in, 0, List.of(packed[0], packed[1]), false);
        assertThat(out.getShort(2 * 512)).isEqualTo(floatToBf16(TINY));
        assertThat(out.getShort(2 * 512)).isEqualTo((short) 0x3380);
        assertThat(w1 * (1 + 0x1p-7f) + w0).as("premise: the unfused result").isZero();
    }

    @Test
    void shouldRoundBf16ToNearestEvenLikeTheMathPackage() {
        assertThat(floatToBf16(1 + HALF_ULP_AT_ONE)).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(floatToBf16(1 + 3 * HALF_ULP_AT_ONE)).isEqualTo((short) 0x3F82); // tie, odd rounds up
        assertThat(floatToBf16(1 + HALF_ULP_AT_ONE + 0x1p-20f)).isEqualTo((short) 0x3F81); // above the tie
        assertThat(floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80); // overflow to infinity
        assertThat(floatToBf16(-0f)).isEqualTo((short) 0x8000);
        final RandomStream rnd = RandomStream.of(1, 1, 1);
        for (int i = 0; i < 100_000; i++) {
            final float f = Float.intBitsToFloat((int) rnd.nextLong());
            if (Float.isNaN(f)) {
                continue; // NaN payload handling is not part of the contract data
            }
            assertThat(floatToBf16(f)).as("bits of %s", f).isEqualTo(Bf16.fromFloat(f));
        }
    }

    @Test
    void shouldComputeCalcDiffAsDeepEp() {
        assertThat(ContractSupport.calcDiff(new double[] {1, 2, 3}, new double[] {1, 2, 3})).isZero();
        // x' = (1, 1), y' = (3, 3): 1 - 2*6/(2 + 18) = 0.4
        assertThat(ContractSupport.calcDiff(new double[] {0, 0}, new double[] {2, 2})).isCloseTo(0.4,
            org.assertj.core.data.Offset.offset(1e-15));
        assertThatThrownBy(() -> ContractSupport.calcDiff(new double[] {1}, new double[] {1, 2}))
            .isInstanceOf(AssertionError.class);
    }

    @Test
    void shouldReportTheFirstDifferingElementWithIndices() {
        final HostTensor a = HostTensor.zeros(DType.INT32, 2, 3);
        final HostTensor b = a.copy();
        b.setInt(4, 7);
        assertThatThrownBy(() -> ContractSupport.assertTensorEquals("probe", a, b)).isInstanceOf(AssertionError.class)
            .hasMessageContaining("first at [1, 1]").hasMessageContaining("expected 0, got 7");
    }

    // ------------------------------------------------------------------------------------------------------------

    private static float[] column0(final HostTensor x) {
        final float[] out = new float[(int) x.dim(0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = bf16ToFloat(x.getShort(i * x.dim(1)));
        }
        return out;
    }

    private static long[] longs(final HostTensor t) {
        final long[] out = new long[(int) t.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getLong(i);
        }
        return out;
    }

    private static float[] floats(final HostTensor t) {
        final float[] out = new float[(int) t.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloat(i);
        }
        return out;
    }

    private static int[] meta(final HostTensor m) {
        final int[] out = new int[(int) m.dim(0) * 2];
        for (int i = 0; i < out.length; i++) {
            int v = 0;
            for (int b = 3; b >= 0; b--) {
                v = (v << 8) | (m.getByte((long) i * 4 + b) & 0xFF);
            }
            out[i] = v;
        }
        return out;
    }
}
