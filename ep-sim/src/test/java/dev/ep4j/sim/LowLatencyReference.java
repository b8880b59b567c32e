package dev.ep4j.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8E4m3;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.math.Fp8Tensor;
import dev.ep4j.api.math.LogFmt;
import dev.ep4j.api.math.Ue8m0;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.util.Arrays;
import java.util.Random;

/**
 * Test-side inputs and independent reference loops for the low-latency tests: they restate docs/semantics.md
 * ("Low-latency") element by element and never call the sim's executor classes. Stateless and thread-safe.
 */
final class LowLatencyReference {
    private LowLatencyReference() {
    }

    /** Cast options of a dispatch. */
    enum Cast {
        BF16(false, false, false),
        FP8(true, false, false),
        FP8_ROUND(true, true, false),
        FP8_UE8M0(true, true, true);

        final boolean fp8;
        final boolean round;
        final boolean ue8m0;

        Cast(final boolean fp8, final boolean round, final boolean ue8m0) {
            this.fp8 = fp8;
            this.round = round;
            this.ue8m0 = ue8m0;
        }
    }

    /**
     * One scenario: shapes and a seed; every rank's inputs are pure functions of it.
     *
     * @param topology the group.
     * @param tMax     T_max.
     * @param hidden   H.
     * @param experts  E.
     * @param topK     K.
     * @param seed     seed.
     */
    record Scenario(Topology topology, int tMax, int hidden, int experts, int topK, long seed) {
        static Scenario of(final Topology topology, final long seed) {
            return new Scenario(topology, 16, 512, 4 * topology.ranks(), 5, seed);
        }

        int ranks() {
            return topology.ranks();
        }

        int local() {
            return experts / ranks();
        }

        int rows() {
            return ranks() * tMax;
        }

        /** T of rank r: T_max, T_max - 3, T_max - 6, ...; the last rank of a group of more than 2 sends none. */
        int tokens(final int r) {
            if (r == ranks() - 1 && ranks() > 2) {
                return 0;
            }
            return tMax - 3 * (r % 3);
        }

        BufferSpec spec() {
            return BufferSpec.lowLatency(BufferSizing.lowLatencySizeHint(tMax, hidden, ranks(), experts), local());
        }

        /** Random BF16 tokens N(0, 1) x 4. */
        HostTensor x(final int r) {
            final Random rnd = new Random(seed * 7919 + r);
            final HostTensor x = HostTensor.zeros(DType.BF16, tokens(r), hidden);
            for (long i = 0; i < x.numel(); i++) {
                x.setShort(i, Bf16.fromFloat((float) (4 * rnd.nextGaussian())));
            }
            return x;
        }

        /** Sorted uniform top-k with min(10, T K) entries masked to -1 (DeepEP's LL test). */
        HostTensor topk(final int r) {
            final HostTensor idx = Routing.uniform(seed, r, tokens(r), experts, topK, true);
            Routing.mask(idx, Math.min(10, tokens(r) * topK), seed, r);
            return idx;
        }

        HostTensor weights(final int r) {
            return Routing.weights(WeightMode.ABS_NORMAL, 0, seed, r, tokens(r), topK);
        }

        /**
         * Expert outputs [E_loc, R T_max, H] of rank r, every row filled (rows past the counts too); with
         * {@code small}, values N(0, 1) x 0.5 x U(0, 1) (mostly LogFMT-encodable), else N(0, 1).
         */
        HostTensor expertOut(final int r, final boolean small) {
            final Random rnd = new Random(seed * 104729 + 31 * r + 1);
            final HostTensor x = HostTensor.zeros(DType.BF16, local(), rows(), hidden);
            for (long i = 0; i < x.numel(); i++) {
                final double v = small ? rnd.nextGaussian() * 0.5 * rnd.nextDouble() : rnd.nextGaussian();
                x.setShort(i, Bf16.fromFloat((float) v));
            }
            return x;
        }
    }

    static boolean selects(final HostTensor topk, final int t, final long expert) {
        final int k = (int) topk.dim(1);
        for (int j = 0; j < k; j++) {
            if (topk.getIntegral((long) t * k + j) == expert) {
                return true;
            }
        }
        return false;
    }

    /** The expected dispatch outputs of one rank. */
    record Expected(HostTensor recvX, HostTensor scales, HostTensor count, HostTensor srcInfo, HostTensor range) {
    }

    /** Packs, per local expert, source ranks ascending, tokens ascending (docs/semantics.md). */
    static Expected dispatch(final Scenario sc, final int me, final HostTensor[] xs, final HostTensor[] topks,
        final Cast cast) {
        final int local = sc.local();
        final int rt = sc.rows();
        final int h = sc.hidden();
        final int words = !cast.fp8 ? 0 : cast.ue8m0 ? h / 512 : h / 128;
        final HostTensor recvX = HostTensor.zeros(cast.fp8 ? DType.FP8_E4M3 : DType.BF16, local, rt, h);
        final HostTensor scales = !cast.fp8 ? null
            : HostTensor.zeros(cast.ue8m0 ? DType.INT32 : DType.FLOAT32, local, words, rt);
        final HostTensor count = HostTensor.zeros(DType.INT32, local);
        final HostTensor src = HostTensor.zeros(DType.INT32, local, rt);
        final HostTensor range = HostTensor.zeros(DType.INT64, local, sc.ranks());
        for (long i = 0; i < src.numel(); i++) {
            src.setInt(i, -1);
        }
        final Fp8Tensor[] q = new Fp8Tensor[sc.ranks()];
        for (int s = 0; s < sc.ranks(); s++) {
            q[s] = cast.fp8 ? Fp8Quantizer.quantize(xs[s], cast.round, cast.ue8m0) : null;
        }
        for (int e = 0; e < local; e++) {
            final long g = (long) me * local + e;
            int row = 0;
            for (int s = 0; s < sc.ranks(); s++) {
                final int begin = row;
                for (int t = 0; t < xs[s].dim(0); t++) {
                    if (!selects(topks[s], t, g)) {
                        continue;
                    }
                    final long dst = ((long) e * rt + row) * h;
                    for (int i = 0; i < h; i++) {
                        if (cast.fp8) {
                            recvX.setByte(dst + i, q[s].data().getByte((long) t * h + i));
                        } else {
                            recvX.setShort(dst + i, xs[s].getShort((long) t * h + i));
                        }
                    }
                    for (int w = 0; w < words; w++) {
                        final long at = ((long) e * words + w) * rt + row;
                        if (cast.ue8m0) {
                            scales.setInt(at, q[s].scales().getInt((long) t * words + w));
                        } else {
                            scales.setFloat(at, q[s].scales().getFloat((long) t * words + w));
                        }
                    }
                    src.setInt((long) e * rt + row, t);
                    row++;
                }
                range.setLong((long) e * sc.ranks() + s, ((long) begin << 32) | (row - begin));
            }
            count.setInt(e, row);
        }
        return new Expected(recvX, scales, count, src, range);
    }

    static void assertDispatch(final Scenario sc, final int me, final LowLatencyDispatchResult res,
        final HostTensor[] xs, final HostTensor[] topks, final Cast cast) {
        final Expected exp = dispatch(sc, me, xs, topks, cast);
        assertSame("rank " + me + " recvX", res.recvX(), exp.recvX());
        assertSame("rank " + me + " recvXScales", res.recvXScales(), exp.scales());
        assertSame("rank " + me + " recvCount", res.recvCount(), exp.count());
        assertSame("rank " + me + " srcInfo", res.handle().srcInfo(), exp.srcInfo());
        assertSame("rank " + me + " layoutRange", res.handle().layoutRange(), exp.range());
        assertThat(res.handle().maxTokensPerRank()).isEqualTo(sc.tMax());
        assertThat(res.handle().hidden()).isEqualTo(sc.hidden());
        assertThat(res.handle().numExperts()).isEqualTo(sc.experts());
    }

    /** Byte equality with the first differing element in the message. */
    static void assertSame(final String what, final Tensor actual, final HostTensor expected) {
        if (expected == null) {
            assertThat(actual).as(what).isNull();
            return;
        }
        assertThat(actual).as(what).isNotNull();
        final HostTensor a = actual.hostView();
        assertThat(a.dtype()).as(what + " dtype").isEqualTo(expected.dtype());
        assertThat(a.shape()).as(what + " shape").isEqualTo(expected.shape());
        if (!a.contentEquals(expected)) {
            final int width = a.dtype().byteSize();
            for (int b = 0; b < a.byteSize(); b++) {
                if (a.buffer().get(b) != expected.buffer().get(b)) {
                    throw new AssertionError(what + " differs first at element " + b / width + " (byte " + b + ")");
                }
            }
        }
    }

    /**
     * The combine of rank me: for every token, acc = fma(w, v, acc) over k in order, v from the row
     * begin(le, me) + (index of t among me's tokens selecting e) of the owner's expert outputs.
     */
    static HostTensor combine(final Scenario sc, final int me, final HostTensor topk, final HostTensor weights,
        final HostTensor[] expertOut, final LowLatencyHandle[] handles, final boolean logfmt) {
        final int local = sc.local();
        final int h = sc.hidden();
        final int k = (int) topk.dim(1);
        final int t = (int) topk.dim(0);
        final HostTensor out = HostTensor.zeros(DType.BF16, t, h);
        final float[] acc = new float[h];
        for (int i = 0; i < t; i++) {
            Arrays.fill(acc, 0f);
            for (int j = 0; j < k; j++) {
                final long e = topk.getIntegral((long) i * k + j);
                if (e < 0) {
                    continue;
                }
                final int d = (int) (e / local);
                final int le = (int) (e % local);
                int index = 0;
                for (int u = 0; u < i; u++) {
                    index += selects(topk, u, e) ? 1 : 0;
                }
                final long range = handles[d].layoutRange().hostView().getLong((long) le * sc.ranks() + me);
                final long row = (range >>> 32) + index;
                assertThat(index).isLessThan((int) (range & 0xFFFFFFFFL));
                final float[] v = row(expertOut[d], le, row, sc, logfmt);
                final float w = weights.getFloat((long) i * k + j);
                for (int c = 0; c < h; c++) {
                    acc[c] = Math.fma(w, v[c], acc[c]);
                }
            }
            for (int c = 0; c < h; c++) {
                out.setShort((long) i * h + c, Bf16.fromFloat(acc[c]));
            }
        }
        return out;
    }

    private static float[] row(final HostTensor x, final int le, final long row, final Scenario sc,
        final boolean logfmt) {
        final int h = sc.hidden();
        final long base = ((long) le * sc.rows() + row) * h;
        final short[] bits = new short[h];
        for (int c = 0; c < h; c++) {
            bits[c] = x.getShort(base + c);
        }
        final float[] v = new float[h];
        if (logfmt) {
            final byte[] wire = new byte[LogFmt.maxBytes(h)];
            LogFmt.encode(bits, 0, h, wire, 0);
            LogFmt.decode(wire, 0, h, v, 0);
        } else {
            for (int c = 0; c < h; c++) {
                v[c] = Bf16.toFloat(bits[c]);
            }
        }
        return v;
    }

    /** Dequantized value of packed row (e, row), element i, of a dispatch result. */
    static float dequant(final LowLatencyDispatchResult res, final Cast cast, final int e, final int row,
        final int i) {
        final HostTensor x = res.recvX().hostView();
        final long h = x.dim(2);
        final long rt = x.dim(1);
        final long at = ((long) e * rt + row) * h + i;
        if (!cast.fp8) {
            return Bf16.toFloat(x.getShort(at));
        }
        final HostTensor s = res.recvXScales().hostView();
        final float scale;
        if (cast.ue8m0) {
            final long word = ((long) e * s.dim(1) + i / 512) * rt + row;
            scale = Ue8m0.toFloat(Ue8m0.unpack(s.getInt(word), (i / 128) % 4));
        } else {
            scale = s.getFloat(((long) e * s.dim(1) + i / 128) * rt + row);
        }
        return Fp8E4m3.decode(x.getByte(at)) * scale;
    }

    /** DeepEP's calc_diff: 1 - 2 sum(x'y') / sum(x'^2 + y'^2) with x' = x + 1, y' = y + 1, in double. */
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
