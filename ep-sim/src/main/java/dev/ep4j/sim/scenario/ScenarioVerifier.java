package dev.ep4j.sim.scenario;

import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.math.Fp8Tensor;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The contract checks of DeepEP's tests (semantics.md §8), applied to a scenario run: every expected value is
 * recomputed here with plain loops from the ranks' inputs, never taken from the executor. Stateless.
 */
public final class ScenarioVerifier {
    /** DeepEP's combine tolerance for normal mode (calcDiff of combined / count vs the expert row). */
    static final double NORMAL_COMBINE_DIFF = 5e-6;
    /** DeepEP's LL combine tolerances. */
    static final double LL_COMBINE_DIFF_FP8 = 9e-4;
    static final double LL_COMBINE_DIFF_BF16 = 1e-5;

    private ScenarioVerifier() {
    }

    /**
     * @param runner the run's configuration.
     * @param a      a run.
     * @param b      a second run with the same inputs (determinism), or null.
     * @return the checks, in order.
     */
    public static List<Check> verify(final ScenarioRunner runner, final List<RankTensors> a,
        final List<RankTensors> b) {
        final List<Check> out = checks(runner, a);
        if (b != null) {
            out.add(identical(a, b));
        }
        return out;
    }

    /**
     * @param runner the run's configuration.
     * @param a      a run.
     * @return the contract checks of that run (no determinism check).
     */
    public static List<Check> checks(final ScenarioRunner runner, final List<RankTensors> a) {
        return new ArrayList<>(runner.lowLatency() ? LowLatencyChecks.all(runner, a) : normal(runner, a));
    }

    /**
     * @param a digests of a run, by rank ({@link RankTensors#digests()}).
     * @param b digests of a second run.
     * @return the determinism check.
     */
    public static Check identicalDigests(final List<Map<String, String>> a, final List<Map<String, String>> b) {
        for (int r = 0; r < a.size(); r++) {
            for (final Map.Entry<String, String> e : a.get(r).entrySet()) {
                if (!e.getValue().equals(b.get(r).get(e.getKey()))) {
                    return Check.fail("determinism", "rank " + r + " " + e.getKey() + " differs between two runs");
                }
            }
        }
        return Check.pass("determinism", "two runs byte-identical (SHA-256 of every tensor) on " + a.size()
            + " ranks");
    }

    static Check identical(final List<RankTensors> a, final List<RankTensors> b) {
        for (int r = 0; r < a.size(); r++) {
            for (final Map.Entry<String, Tensor> e : a.get(r).all().entrySet()) {
                final HostTensor x = e.getValue().hostView();
                final Tensor other = b.get(r).get(e.getKey());
                if (x != null && (other == null || !x.contentEquals(other.hostView()))) {
                    return Check.fail("determinism", "rank " + r + " " + e.getKey() + " differs between two runs");
                }
            }
        }
        return Check.pass("determinism", "two runs byte-identical on " + a.size() + " ranks");
    }

    private static List<Check> normal(final ScenarioRunner runner, final List<RankTensors> ranks) {
        final Topology topo = runner.topology();
        final int r = topo.ranks();
        final int e = (int) ranks.get(0).host("num_tokens_per_expert").numel();
        final int local = e / r;
        final List<Check> out = new ArrayList<>();
        // routing membership from top-k: [rank][t][d]
        final boolean[][][] in = new boolean[r][][];
        for (int s = 0; s < r; s++) {
            final HostTensor idx = ranks.get(s).host("topk_idx");
            final int t = (int) idx.dim(0);
            final int k = (int) idx.dim(1);
            in[s] = new boolean[t][r];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < k; j++) {
                    final long v = idx.getLong((long) i * k + j);
                    if (v >= 0) {
                        in[s][i][(int) (v / local)] = true;
                    }
                }
            }
        }
        out.add(layout(ranks, in, e));
        out.add(recvRows(ranks, in, local));
        out.add(perExpert(ranks, local));
        out.add(combineWeights(ranks));
        out.add(combineX(ranks, in, topo));
        return out;
    }

    private static Check layout(final List<RankTensors> ranks, final boolean[][][] in, final int e) {
        for (final RankTensors rt : ranks) {
            final int me = rt.rank();
            final HostTensor idx = rt.host("topk_idx");
            final int k = (int) idx.dim(1);
            final int[] perExpert = new int[e];
            for (long i = 0; i < idx.numel(); i++) {
                if (idx.getLong(i) >= 0) {
                    perExpert[(int) idx.getLong(i)]++;
                }
            }
            for (int x = 0; x < e; x++) {
                if (rt.host("num_tokens_per_expert").getInt(x) != perExpert[x]) {
                    return Check.fail("layout", "rank " + me + " num_tokens_per_expert[" + x + "]="
                        + rt.host("num_tokens_per_expert").getInt(x) + " expected " + perExpert[x]);
                }
            }
            final HostTensor member = rt.host("is_token_in_rank");
            final int r = in[me][0].length;
            for (int t = 0; t < in[me].length; t++) {
                for (int d = 0; d < r; d++) {
                    if (member.getBool((long) t * r + d) != in[me][t][d]) {
                        return Check.fail("layout", "rank " + me + " is_token_in_rank[" + t + "][" + d + "]");
                    }
                }
            }
            if (k < 1) {
                return Check.fail("layout", "rank " + me + " has no top-k columns");
            }
        }
        return Check.pass("layout", "counts and membership equal the top-k loops on " + ranks.size() + " ranks");
    }

    /** Rows arrive grouped by source rank, then token (channels are contiguous token ranges). */
    private static Check recvRows(final List<RankTensors> ranks, final boolean[][][] in, final int local) {
        long rows = 0;
        for (final RankTensors rt : ranks) {
            final int me = rt.rank();
            final Tensor recvT = rt.get("recv_x");
            int row = 0;
            for (int s = 0; s < ranks.size(); s++) {
                final RankTensors src = ranks.get(s);
                final HostTensor idx = src.host("topk_idx");
                final HostTensor w = src.host("topk_weights");
                final int k = (int) idx.dim(1);
                for (int t = 0; t < in[s].length; t++) {
                    if (!in[s][t][me]) {
                        continue;
                    }
                    if (recvT.hostView() != null && !sameRow(src.host("x"), t, recvT.hostView(), row)) {
                        return Check.fail("recv-rows", "rank " + me + " recv_x row " + row + " != rank " + s
                            + " token " + t);
                    }
                    if (rt.get("recv_x_scales") != null && recvT.hostView() != null
                        && !sameRow(src.host("x_scales"), t, rt.host("recv_x_scales"), row)) {
                        return Check.fail("recv-rows", "rank " + me + " recv_x_scales row " + row);
                    }
                    if (rt.get("recv_src_idx") != null && rt.host("recv_src_idx").getInt(row) != t) {
                        return Check.fail("recv-rows", "rank " + me + " recv_src_idx[" + row + "]="
                            + rt.host("recv_src_idx").getInt(row) + " expected " + t);
                    }
                    for (int j = 0; j < k; j++) {
                        final long v = idx.getLong((long) t * k + j);
                        final long want = v >= (long) me * local && v < (long) (me + 1) * local ? v - (long) me * local
                            : -1;
                        final float wantW = want >= 0 ? w.getFloat((long) t * k + j) : 0f;
                        if (rt.host("recv_topk_idx").getLong((long) row * k + j) != want
                            || Float.compare(rt.host("recv_topk_weights").getFloat((long) row * k + j), wantW) != 0) {
                            return Check.fail("recv-rows", "rank " + me + " recv_topk row " + row + " column " + j);
                        }
                    }
                    row++;
                }
            }
            if (recvT.dim(0) != row) {
                return Check.fail("recv-rows", "rank " + me + " received " + recvT.dim(0) + " rows, expected " + row);
            }
            rows += row;
        }
        return Check.pass("recv-rows", rows + " rows in source/channel/token order with data, scales, source index "
            + "and remapped top-k");
    }

    private static boolean sameRow(final HostTensor a, final int ra, final HostTensor b, final int rb) {
        final int bytes = (int) (a.byteSize() / Math.max(1, a.dim(0)));
        return a.buffer().slice(ra * bytes, bytes).equals(b.buffer().slice(rb * bytes, bytes));
    }

    private static Check perExpert(final List<RankTensors> ranks, final int local) {
        for (final RankTensors rt : ranks) {
            final int me = rt.rank();
            for (int i = 0; i < local; i++) {
                long want = 0;
                for (final RankTensors src : ranks) {
                    want += src.host("num_tokens_per_expert").getInt((long) me * local + i);
                }
                final int got = rt.host("num_recv_tokens_per_expert").getInt(i);
                if (got != want) {
                    return Check.fail("per-expert-counts", "rank " + me + " local expert " + i + ": " + got
                        + " expected " + want);
                }
            }
        }
        return Check.pass("per-expert-counts", "received counts per local expert equal the global selections");
    }

    /** Each (token, k) weight comes back from exactly its owner; zeros elsewhere: the sum is exact. */
    private static Check combineWeights(final List<RankTensors> ranks) {
        for (final RankTensors rt : ranks) {
            final HostTensor w = rt.host("topk_weights");
            final HostTensor idx = rt.host("topk_idx");
            final HostTensor got = rt.host("combined_topk_weights");
            for (long i = 0; i < w.numel(); i++) {
                final float want = idx.getLong(i) >= 0 ? w.getFloat(i) : 0f;
                if (Float.compare(got.getFloat(i), want) != 0) {
                    return Check.fail("combine-weights", "rank " + rt.rank() + " element " + i + ": "
                        + got.getFloat(i) + " expected " + want);
                }
            }
        }
        return Check.pass("combine-weights", "combined top-k weights equal the original weights exactly");
    }

    /** DeepEP's check: combined / (number of receiving ranks) vs the expert row, calcDiff below 5e-6. */
    private static Check combineX(final List<RankTensors> ranks, final boolean[][][] in, final Topology topo) {
        double worst = 0;
        for (final RankTensors rt : ranks) {
            final Tensor combined = rt.get("combined_x");
            if (combined.hostView() == null) {
                return Check.pass("combine-x", "payloads off: not checked");
            }
            final HostTensor x = rt.host("x");
            final HostTensor expert = x.dtype() == DType.BF16 ? x
                : Bf16.fromFloat32(Fp8Quantizer.dequantize(new Fp8Tensor(x, rt.host("x_scales"), false)));
            final int t = (int) expert.dim(0);
            final int h = (int) expert.dim(1);
            final double[] a = new double[t * h];
            final double[] b = new double[t * h];
            for (int i = 0; i < t; i++) {
                int count = 0;
                for (int d = 0; d < topo.ranks(); d++) {
                    count += in[rt.rank()][i][d] ? 1 : 0;
                }
                for (int j = 0; j < h; j++) {
                    final int at = i * h + j;
                    a[at] = count == 0 ? 0 : Bf16.toFloat(combined.hostView().getShort(at)) / (double) count;
                    b[at] = count == 0 ? 0 : Bf16.toFloat(expert.getShort(at));
                }
            }
            worst = Math.max(worst, calcDiff(a, b));
        }
        return worst < NORMAL_COMBINE_DIFF
            ? Check.pass("combine-x", String.format("calcDiff %.3g < %.0g", worst, NORMAL_COMBINE_DIFF))
            : Check.fail("combine-x", String.format("calcDiff %.3g >= %.0g", worst, NORMAL_COMBINE_DIFF));
    }

    /**
     * DeepEP's dissimilarity: 1 - 2 sum(x'y') / sum(x'^2 + y'^2) with x' = x + 1, y' = y + 1, in double.
     *
     * @param x values.
     * @param y values.
     * @return 0 when identical.
     */
    static double calcDiff(final double[] x, final double[] y) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            final double a = x[i] + 1;
            final double b = y[i] + 1;
            num += a * b;
            den += a * a + b * b;
        }
        return den == 0 ? 0 : 1 - 2 * num / den;
    }
}
