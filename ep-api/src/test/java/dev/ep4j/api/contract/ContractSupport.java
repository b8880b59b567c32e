package dev.ep4j.api.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Helpers shared by the backend contract tests: input generators (DeepEP's test inputs with ep4j's seeded streams),
 * an own BF16 round-to-nearest-even conversion, DeepEP's {@code calc_diff}, kernel configs and buffer specs that fit
 * a call, and element-wise tensor comparison that reports the first differing element with its indices.
 *
 * <p>Nothing here calls a backend. Stateless and thread-safe.
 */
public final class ContractSupport {
    /** Capability: groups of more than one node (internode kernels). */
    public static final String INTERNODE = "internode";
    /** Capability: the low-latency kernels. */
    public static final String LOW_LATENCY = "low-latency";
    /** Capability: waits on peers fail with {@code EpTimeoutException} after {@code BufferSpec.timeout()}. */
    public static final String TIMEOUT = "timeout";

    /** Stream id of generated token data ({@code x}); the substream is the rank. */
    static final long STREAM_X = 101;
    /** Stream id of generated FP8 scales. */
    static final long STREAM_SCALES = 102;
    /** Stream id of generated expert outputs (combine inputs). */
    static final long STREAM_EXPERT_OUT = 103;
    /** Stream id of generated biases. */
    static final long STREAM_BIAS = 104;
    /** Stream id of tokens routed nowhere. */
    static final long STREAM_NOWHERE = 105;

    private ContractSupport() {
    }

    /** The token data variants of DeepEP's normal-mode tests. */
    public enum XKind {
        /** BF16, every element equals the rank. */
        ONES_RANK,
        /** BF16 N(0, 1). */
        RANDOM_BF16,
        /** FP8 random bytes with random positive FLOAT32 scales [T, H/128] (dispatch is pass-through). */
        FP8_FLOAT_SCALES,
        /** FP8 random bytes with random INT32 packed UE8M0 scales [T, ceil(H/128/4)]. */
        FP8_UE8M0_SCALES;

        /**
         * @return true for the FP8 variants.
         */
        public boolean isFp8() {
            return this == FP8_FLOAT_SCALES || this == FP8_UE8M0_SCALES;
        }
    }

    /** How top-k indices are generated. */
    public enum RoutingKind {
        /** {@link Routing#uniform}, ascending expert ids per row. */
        UNIFORM,
        /** {@link Routing#groupLimited} with groups = nodes and min(nodes, 4) groups per token. */
        GROUP_LIMITED
    }

    // ------------------------------------------------------------------------------------------------------------
    // BF16 (own implementation, independent of dev.ep4j.api.math)

    /**
     * @param bits raw bf16 bits.
     * @return the exact float value.
     */
    public static float bf16ToFloat(final short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Round to nearest, ties to even; NaN becomes the quiet NaN with the input's sign.
     *
     * @param value any float.
     * @return raw bf16 bits.
     */
    public static short floatToBf16(final float value) {
        final int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) (((bits >>> 16) & 0x8000) | 0x7FC0);
        }
        final int lowerHalfBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + lowerHalfBias) >>> 16);
    }

    // ------------------------------------------------------------------------------------------------------------
    // calc_diff

    /**
     * DeepEP's {@code calc_diff}: {@code 1 - 2 Σ x'y' / Σ (x'² + y'²)} with {@code x' = x + 1}, {@code y' = y + 1},
     * in double. 0 means identical.
     *
     * @param x values.
     * @param y values of the same length.
     * @return the dissimilarity.
     */
    public static double calcDiff(final double[] x, final double[] y) {
        assertThat(y).as("calcDiff operands").hasSameSizeAs(x);
        double dot = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            final double a = x[i] + 1.0;
            final double b = y[i] + 1.0;
            dot += a * b;
            norm += a * a + b * b;
        }
        return norm == 0 ? 0 : 1.0 - 2.0 * dot / norm;
    }

    /**
     * @param t a BF16 or FLOAT32 tensor.
     * @return its elements as doubles, flat.
     */
    public static double[] toDoubles(final HostTensor t) {
        final double[] out = new double[Math.toIntExact(t.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.dtype() == DType.BF16 ? bf16ToFloat(t.getShort(i)) : t.getFloat(i);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------------------
    // inputs

    /**
     * All ranks' inputs of one normal-mode dispatch (and the routing the combine reverses).
     *
     * @param topology    the group.
     * @param experts     E.
     * @param hidden      H.
     * @param topK        K.
     * @param x           per rank: BF16 or FP8 [T_r, H].
     * @param scales      per rank: FP8 scales or null.
     * @param topkIdx     per rank: INT64 [T_r, K].
     * @param topkWeights per rank: FLOAT32 [T_r, K].
     */
    public record NormalInputs(Topology topology, int experts, int hidden, int topK, List<HostTensor> x,
        List<HostTensor> scales, List<HostTensor> topkIdx, List<HostTensor> topkWeights) {

        /**
         * @return R.
         */
        public int ranks() {
            return topology.ranks();
        }

        /**
         * @param rank a rank.
         * @return T of that rank.
         */
        public int tokens(final int rank) {
            return (int) x.get(rank).dim(0);
        }

        /**
         * @param other new token data (same shapes of rows) with its scales.
         * @return a copy with other data and the same routing.
         */
        public NormalInputs withData(final NormalInputs other) {
            return new NormalInputs(topology, experts, hidden, topK, other.x, other.scales, topkIdx, topkWeights);
        }
    }

    /**
     * Generates DeepEP-style inputs.
     *
     * @param topology    the group.
     * @param tokens      T per rank.
     * @param hidden      H (a multiple of 128 for FP8).
     * @param topK        K.
     * @param experts     E.
     * @param kind        token data variant.
     * @param routing     top-k generator.
     * @param weights     weight mode.
     * @param nowhereFrac fraction (0..1) of tokens whose whole top-k row is set to -1 (they go nowhere).
     * @param seed        scenario seed; every stream uses the rank as substream.
     * @return the inputs.
     */
    public static NormalInputs normalInputs(final Topology topology, final int[] tokens, final int hidden,
        final int topK, final int experts, final XKind kind, final RoutingKind routing, final WeightMode weights,
        final double nowhereFrac, final long seed) {
        final int ranks = topology.ranks();
        final List<HostTensor> xs = new ArrayList<>();
        final List<HostTensor> ss = new ArrayList<>();
        final List<HostTensor> idx = new ArrayList<>();
        final List<HostTensor> ws = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            final int t = tokens[r];
            final HostTensor[] data = tokenData(kind, t, hidden, r, seed);
            xs.add(data[0]);
            ss.add(data[1]);
            final HostTensor ids = routing == RoutingKind.UNIFORM
                ? Routing.uniform(seed, r, t, experts, topK, false)
                : Routing.groupLimited(seed, r, t, experts, topK, topology.nodes(), Math.min(topology.nodes(), 4),
                    false);
            routeNowhere(ids, nowhereFrac, seed, r);
            idx.add(ids);
            ws.add(Routing.weights(weights, 0, seed, r, t, topK));
        }
        return new NormalInputs(topology, experts, hidden, topK, xs, ss, idx, ws);
    }

    /**
     * @param kind   variant.
     * @param tokens T.
     * @param hidden H.
     * @param rank   rank (value of ONES_RANK and substream).
     * @param seed   seed.
     * @return {x, scales-or-null}.
     */
    public static HostTensor[] tokenData(final XKind kind, final int tokens, final int hidden, final int rank,
        final long seed) {
        final RandomStream rnd = RandomStream.of(seed, STREAM_X, rank);
        switch (kind) {
            case ONES_RANK: {
                final HostTensor x = HostTensor.zeros(DType.BF16, tokens, hidden);
                final short v = floatToBf16(rank);
                for (long i = 0; i < x.numel(); i++) {
                    x.setShort(i, v);
                }
                return new HostTensor[] {x, null};
            }
            case RANDOM_BF16:
                return new HostTensor[] {randomBf16(rnd, 1.0, tokens, hidden), null};
            case FP8_FLOAT_SCALES:
            case FP8_UE8M0_SCALES: {
                final HostTensor x = HostTensor.zeros(DType.FP8_E4M3, tokens, hidden);
                for (long i = 0; i < x.numel(); i++) {
                    x.setByte(i, (byte) rnd.nextLong());
                }
                final RandomStream srnd = RandomStream.of(seed, STREAM_SCALES, rank);
                final int groups = hidden / 128;
                final HostTensor s;
                if (kind == XKind.FP8_FLOAT_SCALES) {
                    s = HostTensor.zeros(DType.FLOAT32, tokens, groups);
                    for (long i = 0; i < s.numel(); i++) {
                        s.setFloat(i, (float) (1e-3 + srnd.nextDouble()));
                    }
                } else {
                    s = HostTensor.zeros(DType.INT32, tokens, (groups + 3) / 4);
                    for (long i = 0; i < s.numel(); i++) {
                        s.setInt(i, (int) srnd.nextLong());
                    }
                }
                return new HostTensor[] {x, s};
            }
            default:
                throw new IllegalStateException("unhandled " + kind);
        }
    }

    /**
     * @param rnd    stream.
     * @param scale  standard deviation.
     * @param shape  dimensions.
     * @return BF16 N(0, scale²) values rounded to nearest even.
     */
    public static HostTensor randomBf16(final RandomStream rnd, final double scale, final long... shape) {
        final HostTensor x = HostTensor.zeros(DType.BF16, shape);
        for (long i = 0; i < x.numel(); i++) {
            x.setShort(i, floatToBf16((float) (rnd.nextGaussian() * scale)));
        }
        return x;
    }

    /**
     * BF16 values of wide dynamic range, N(0, 1) x 2^u with u uniform in [-20, 20]: float32 sums of a few of them
     * round, so the summation order shows in the result (with N(0, 1) alone they are mostly exact in any order).
     *
     * @param rnd   stream.
     * @param shape dimensions.
     * @return the tensor.
     */
    public static HostTensor wideBf16(final RandomStream rnd, final long... shape) {
        final HostTensor x = HostTensor.zeros(DType.BF16, shape);
        for (long i = 0; i < x.numel(); i++) {
            x.setShort(i, floatToBf16((float) Math.scalb(rnd.nextGaussian(), rnd.nextInt(41) - 20)));
        }
        return x;
    }

    /**
     * Sets the whole row of a fraction of the tokens to -1 (tokens that go nowhere).
     *
     * @param topkIdx INT64 [T, K], modified.
     * @param frac    fraction in [0, 1].
     * @param seed    seed.
     * @param rank    substream.
     */
    static void routeNowhere(final HostTensor topkIdx, final double frac, final long seed, final int rank) {
        if (frac <= 0) {
            return;
        }
        final RandomStream rnd = RandomStream.of(seed, STREAM_NOWHERE, rank);
        final long t = topkIdx.dim(0);
        final long k = topkIdx.dim(1);
        for (long i = 0; i < t; i++) {
            if (rnd.nextDouble() < frac) {
                for (long j = 0; j < k; j++) {
                    topkIdx.setLong(i * k + j, -1);
                }
            }
        }
    }

    /**
     * @param ranks  R.
     * @param tokens T of every rank.
     * @return an array of R copies of T.
     */
    public static int[] sameTokens(final int ranks, final int tokens) {
        final int[] t = new int[ranks];
        Arrays.fill(t, tokens);
        return t;
    }

    /**
     * Expert outputs to combine: random BF16 rows of wide dynamic range ({@link #wideBf16}), one tensor per rank.
     *
     * @param rows   rows per rank.
     * @param hidden H.
     * @param seed   seed.
     * @return BF16 [rows_r, H] per rank.
     */
    public static List<HostTensor> expertOutputs(final long[] rows, final int hidden, final long seed) {
        final List<HostTensor> out = new ArrayList<>();
        for (int r = 0; r < rows.length; r++) {
            out.add(wideBf16(RandomStream.of(seed, STREAM_EXPERT_OUT, r), rows[r], hidden));
        }
        return out;
    }

    /**
     * @param rank   substream.
     * @param which  0 or 1.
     * @param tokens T.
     * @param hidden H.
     * @param seed   seed.
     * @return a random BF16 bias [T, H] of wide dynamic range.
     */
    public static HostTensor bias(final int rank, final int which, final int tokens, final int hidden,
        final long seed) {
        return wideBf16(RandomStream.of(seed + which, STREAM_BIAS, rank), tokens, hidden);
    }

    // ------------------------------------------------------------------------------------------------------------
    // configs and buffer specs

    /**
     * An intranode config with small rings.
     *
     * @param numSms   SMs (channels = numSms / 2).
     * @param nvlChunk NVLink send chunk.
     * @param nvlRecv  NVLink ring capacity.
     * @return the config.
     */
    public static KernelConfig intranodeConfig(final int numSms, final int nvlChunk, final int nvlRecv) {
        return new KernelConfig(numSms, nvlChunk, nvlRecv, 4, 8);
    }

    /**
     * A config that passes the internode combine rules for {@code nodes} (it also serves intranode groups).
     *
     * @param nodes    node count.
     * @param numSms   SMs.
     * @param nvlChunk NVLink send chunk.
     * @param extra    extra NVLink sub-ring slots (varies the ring size).
     * @return the config.
     */
    public static KernelConfig config(final int nodes, final int numSms, final int nvlChunk, final int extra) {
        if (nodes == 1) {
            return intranodeConfig(numSms, nvlChunk, nvlChunk + 4 + extra);
        }
        final int w = Math.max(24 / nodes, 1);
        final int rdmaChunk = w;
        final int sub = Math.max(nvlChunk + w, rdmaChunk + 1) + extra;
        return new KernelConfig(numSms, nvlChunk, sub * nodes, rdmaChunk, 2 * rdmaChunk + extra);
    }

    /**
     * A normal-mode buffer spec large enough for every dispatch variant (BF16 / FP8 with either scale kind, with
     * or without top-k) and the combine of {@code hidden} x {@code topK} under each of {@code configs}.
     *
     * @param topology the group.
     * @param hidden   H.
     * @param topK     K.
     * @param configs  configs the test will use.
     * @return the spec.
     */
    public static BufferSpec normalSpec(final Topology topology, final int hidden, final int topK,
        final KernelConfig... configs) {
        long nvl = 0;
        long rdma = 0;
        final int groups = Math.max(hidden / 128, 1);
        for (final KernelConfig c : configs) {
            if (topology.isInternode()) {
                final long rec = Math.max(Math.max(
                    BufferSizing.internodeDispatchRecordBytes(2L * hidden, 0, topK),
                    BufferSizing.internodeDispatchRecordBytes(hidden, groups, topK)),
                    BufferSizing.internodeCombineRecordBytes(hidden, topK));
                final BufferSizing.BufferNeed need = BufferSizing.internodeNeed(c, topology, rec);
                nvl = Math.max(nvl, need.nvlBytes());
                rdma = Math.max(rdma, need.rdmaBytes());
            } else {
                final int r = topology.ranks();
                nvl = Math.max(nvl, BufferSizing.intranodeDispatchNvlNeed(c, r, 2L * hidden, topK, 0));
                nvl = Math.max(nvl, BufferSizing.intranodeDispatchNvlNeed(c, r, hidden, topK, groups));
                nvl = Math.max(nvl, BufferSizing.intranodeCombineNvlNeed(c, r, hidden, topK));
            }
        }
        return BufferSpec.normal(BufferSizing.alignUp(nvl, BufferSizing.ALIGN),
            BufferSizing.alignUp(rdma, BufferSizing.ALIGN));
    }

    // ------------------------------------------------------------------------------------------------------------
    // comparison

    /**
     * @param t    a result tensor.
     * @param what its name, for the message.
     * @return its host view.
     */
    public static HostTensor host(final Tensor t, final String what) {
        assertThat(t).as(what + " (result tensor)").isNotNull();
        final HostTensor h = t.hostView();
        if (h == null) {
            fail(what + " is a device tensor (hostView() == null); the contract kit reads results on the host");
        }
        return h;
    }

    /**
     * Asserts dtype, shape and every element equal (floats bit for bit); on failure names the first differing
     * element with its indices.
     *
     * @param what     what is compared (rank, variant, tensor name).
     * @param expected expected content.
     * @param actual   the backend's tensor.
     */
    public static void assertTensorEquals(final String what, final HostTensor expected, final Tensor actual) {
        final HostTensor a = host(actual, what);
        assertThat(a.dtype()).as(what + " dtype").isEqualTo(expected.dtype());
        assertThat(a.shape()).as(what + " shape").containsExactly(expected.shape());
        if (a.contentEquals(expected)) {
            return;
        }
        final int width = expected.dtype().byteSize();
        final long n = expected.numel();
        long count = 0;
        long first = -1;
        for (long i = 0; i < n; i++) {
            if (!sameElement(expected, a, i, width)) {
                count++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        fail(what + ": " + count + " of " + n + " elements differ; first at " + indices(first, expected.shape())
            + " (flat " + first + "): expected " + describe(expected, first) + ", got " + describe(a, first));
    }

    /**
     * Asserts that the first {@code expected.numel()} elements of {@code actual} equal {@code expected} (same dtype
     * and row width), naming the first difference.
     *
     * @param what     description.
     * @param expected the shorter tensor.
     * @param actual   the longer (or equal) tensor.
     */
    public static void assertLeadingElementsEqual(final String what, final HostTensor expected,
        final HostTensor actual) {
        assertThat(actual.dtype()).as(what + " dtype").isEqualTo(expected.dtype());
        assertThat(actual.numel()).as(what + " elements").isGreaterThanOrEqualTo(expected.numel());
        final int width = expected.dtype().byteSize();
        for (long i = 0; i < expected.numel(); i++) {
            if (!sameElement(expected, actual, i, width)) {
                fail(what + ": first difference at " + indices(i, expected.shape()) + ": expected "
                    + describe(expected, i) + ", got " + describe(actual, i));
            }
        }
    }

    private static boolean sameElement(final HostTensor e, final HostTensor a, final long i, final int width) {
        switch (width) {
            case 1:
                return e.getByte(i) == a.getByte(i);
            case 2:
                return e.getShort(i) == a.getShort(i);
            case 4:
                return e.getInt(i) == a.getInt(i); // FLOAT32 too: raw bits
            default:
                return e.getLong(i) == a.getLong(i);
        }
    }

    /**
     * @param flat  flat index.
     * @param shape dimensions.
     * @return "[i, j, k]".
     */
    static String indices(final long flat, final long[] shape) {
        final long[] idx = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : rest % shape[d];
            rest = shape[d] == 0 ? 0 : rest / shape[d];
        }
        return Arrays.toString(idx);
    }

    private static String describe(final HostTensor t, final long i) {
        switch (t.dtype()) {
            case BF16:
                return String.format("%s (bf16 0x%04x)", bf16ToFloat(t.getShort(i)), t.getShort(i) & 0xFFFF);
            case FLOAT32:
                return String.format("%s (0x%08x)", t.getFloat(i), Float.floatToRawIntBits(t.getFloat(i)));
            case FP8_E4M3:
            case UINT8:
                return String.format("0x%02x", t.getByte(i) & 0xFF);
            case BOOL:
                return Boolean.toString(t.getBool(i));
            case FLOAT64:
                return Double.toString(t.getDouble(i));
            default:
                return Long.toString(t.getIntegral(i));
        }
    }

    /**
     * @param values ints.
     * @return an INT32 tensor [n].
     */
    public static HostTensor int32(final int... values) {
        final HostTensor t = HostTensor.zeros(DType.INT32, values.length);
        for (int i = 0; i < values.length; i++) {
            t.setInt(i, values[i]);
        }
        return t;
    }

    /**
     * @param m int matrix [rows][cols] (rows may be empty).
     * @param cols column count (used when rows = 0).
     * @return an INT32 tensor [rows, cols].
     */
    public static HostTensor int32(final int[][] m, final int cols) {
        final HostTensor t = HostTensor.zeros(DType.INT32, m.length, cols);
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < cols; j++) {
                t.setInt((long) i * cols + j, m[i][j]);
            }
        }
        return t;
    }

    /**
     * @param m boolean matrix [rows][cols].
     * @param cols column count.
     * @return a BOOL tensor [rows, cols].
     */
    public static HostTensor bool(final boolean[][] m, final int cols) {
        final HostTensor t = HostTensor.zeros(DType.BOOL, m.length, cols);
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < cols; j++) {
                t.setBool((long) i * cols + j, m[i][j]);
            }
        }
        return t;
    }

    /**
     * @param t an INT32 tensor.
     * @return its elements.
     */
    public static int[] ints(final Tensor t) {
        final HostTensor h = host(t, "int tensor");
        final int[] out = new int[Math.toIntExact(h.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) h.getIntegral(i);
        }
        return out;
    }
}
