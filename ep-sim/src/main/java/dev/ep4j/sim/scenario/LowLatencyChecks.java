package dev.ep4j.sim.scenario;

import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The low-latency checks of DeepEP's test (semantics.md §8.3) on a scenario run, recomputed with plain loops:
 * per-expert counts, layout ranges (blocks by source rank), packed rows equal to the sender's cast of the token,
 * and the weighted combine against x · sum of valid weights. Stateless.
 */
final class LowLatencyChecks {
    private LowLatencyChecks() {
    }

    static List<Check> all(final ScenarioRunner runner, final List<RankTensors> ranks) {
        final List<Check> out = new ArrayList<>();
        final int r = ranks.size();
        final HostTensor count0 = ranks.get(0).host("packed_recv_count");
        final int local = (int) count0.numel();
        final HostTensor x0 = ranks.get(0).host("x");
        final int h = (int) x0.dim(1);
        final HostTensor packed0 = ranks.get(0).host("packed_recv_x");
        final long slots = packed0.dim(1);
        String fail = null;
        long rows = 0;
        for (final RankTensors rt : ranks) {
            final int me = rt.rank();
            final HostTensor count = rt.host("packed_recv_count");
            final HostTensor range = rt.host("packed_recv_layout_range");
            final HostTensor src = rt.host("packed_recv_src_info");
            final HostTensor packed = rt.host("packed_recv_x");
            final boolean fp8 = packed.dtype() == DType.FP8_E4M3;
            for (int e = 0; e < local && fail == null; e++) {
                final long global = (long) me * local + e;
                int begin = 0;
                for (int s = 0; s < r && fail == null; s++) {
                    final HostTensor idx = ranks.get(s).host("topk_idx");
                    final HostTensor xs = ranks.get(s).host("x");
                    final int k = (int) idx.dim(1);
                    int n = 0;
                    for (int t = 0; t < idx.dim(0) && fail == null; t++) {
                        for (int j = 0; j < k; j++) {
                            if (idx.getLong((long) t * k + j) == global) {
                                final long row = (long) e * slots + begin + n;
                                if (src.getInt(row) != t) {
                                    fail = "rank " + me + " expert " + e + " row " + (begin + n) + " src_info "
                                        + src.getInt(row) + " expected " + t;
                                } else if (!rowMatches(xs, t, packed, row, h, fp8)) {
                                    fail = "rank " + me + " expert " + e + " row " + (begin + n)
                                        + " differs from the cast of rank " + s + " token " + t;
                                }
                                n++;
                            }
                        }
                    }
                    final long want = ((long) begin << 32) | n;
                    if (fail == null && range.getLong((long) e * r + s) != want) {
                        fail = "rank " + me + " layout_range[" + e + "][" + s + "]=" + range.getLong((long) e * r + s)
                            + " expected begin " + begin + " count " + n;
                    }
                    begin += n;
                }
                if (fail == null && count.getInt(e) != begin) {
                    fail = "rank " + me + " packed_recv_count[" + e + "]=" + count.getInt(e) + " expected " + begin;
                }
                rows += begin;
            }
        }
        out.add(fail == null ? Check.pass("ll-packed-layout", rows + " rows: counts, layout ranges, source index and "
            + "cast data per (expert, source rank)") : Check.fail("ll-packed-layout", fail));
        out.add(combine(ranks));
        return out;
    }

    /** Compares a packed row with the sender's FP8 cast (or BF16 copy) of token t. */
    private static boolean rowMatches(final HostTensor xs, final int t, final HostTensor packed, final long row,
        final int h, final boolean fp8) {
        final short[] in = new short[h];
        for (int i = 0; i < h; i++) {
            in[i] = xs.getShort((long) t * h + i);
        }
        if (!fp8) {
            for (int i = 0; i < h; i++) {
                if (packed.getShort(row * h + i) != in[i]) {
                    return false;
                }
            }
            return true;
        }
        final byte[] q = new byte[h];
        final float[] scales = new float[h / 128];
        Fp8Quantizer.quantizeRow(in, 0, h, false, q, 0, scales, 0);
        for (int i = 0; i < h; i++) {
            if (packed.getByte(row * h + i) != q[i]) {
                return false;
            }
        }
        return true;
    }

    /** DeepEP: combined vs x * sum of valid weights, calcDiff below 9e-4 (FP8 dispatch) or 1e-5 (BF16). */
    private static Check combine(final List<RankTensors> ranks) {
        double worst = 0;
        final boolean fp8 = ranks.get(0).host("packed_recv_x").dtype() == DType.FP8_E4M3;
        for (final RankTensors rt : ranks) {
            final HostTensor x = rt.host("x");
            final HostTensor idx = rt.host("topk_idx");
            final HostTensor w = rt.host("topk_weights");
            final HostTensor out = rt.host("ll_combined_x");
            final int t = (int) x.dim(0);
            final int h = (int) x.dim(1);
            final int k = (int) idx.dim(1);
            final double[] a = new double[t * h];
            final double[] b = new double[t * h];
            for (int i = 0; i < t; i++) {
                double sw = 0;
                for (int j = 0; j < k; j++) {
                    if (idx.getLong((long) i * k + j) >= 0) {
                        sw += w.getFloat((long) i * k + j);
                    }
                }
                for (int j = 0; j < h; j++) {
                    a[i * h + j] = Bf16.toFloat(out.getShort((long) i * h + j));
                    b[i * h + j] = Bf16.toFloat(x.getShort((long) i * h + j)) * sw;
                }
            }
            worst = Math.max(worst, ScenarioVerifier.calcDiff(a, b));
        }
        final double limit = fp8 ? ScenarioVerifier.LL_COMBINE_DIFF_FP8 : ScenarioVerifier.LL_COMBINE_DIFF_BF16;
        return worst < limit ? Check.pass("ll-combine", String.format("calcDiff %.3g < %.0g", worst, limit))
            : Check.fail("ll-combine", String.format("calcDiff %.3g >= %.0g", worst, limit));
    }
}
