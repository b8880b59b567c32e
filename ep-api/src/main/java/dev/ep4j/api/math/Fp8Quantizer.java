package dev.ep4j.api.math;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.Objects;

/**
 * Per-token, per-128-channel FP8 (e4m3) quantization of BF16 rows, the reference both backends reproduce bit for
 * bit (spec/semantics.md §7, the cast of §6.3).
 *
 * <p>A row of hidden size {@code H} (a positive multiple of 128) is cut into {@code S = H / 128} groups of 128
 * consecutive elements. For each group, in float32 arithmetic (every operation rounds to nearest even, no fused
 * multiply-add, no flush-to-zero):
 * <ol>
 *   <li>{@code x_i = Bf16.toFloat(bits_i)} (exact).</li>
 *   <li>{@code amax = max(1e-4f, max_i |x_i|)}. The maximum ignores NaN elements (like CUDA {@code fmaxf}), so
 *       {@code amax} is never NaN; an infinite element makes {@code amax = +Inf}. {@code 1e-4f} is the float
 *       nearest to 10^-4 ({@code 0x38D1B717}).</li>
 *   <li>Scale, plain mode: {@code mult = 448f / amax} and, separately, {@code inv = amax / 448f} (two float
 *       divisions; {@code inv} is not {@code 1 / mult}).</li>
 *   <li>Scale, {@code roundScale} mode: {@code q = amax / 448f} (float division), {@code e = ceil(log2(q))} read
 *       from the bits of {@code q} by {@link #ceilLog2(float)} (unbiased exponent, +1 when the mantissa is
 *       nonzero), {@code inv = 2^e} (the float with bits {@code (e + 127) << 23}), {@code mult = 1f / inv}
 *       (exactly {@code 2^-e}). Because {@code amax >= 1e-4f}, {@code q} is never subnormal and, for finite
 *       input, {@code e} is in -22..120, so both are normal floats; for {@code amax = +Inf}, {@code e = 128},
 *       {@code inv = +Inf} and {@code mult = 0}.</li>
 *   <li>{@code code_i = Fp8E4m3.encode(x_i * mult)}: the float32 product, then FP8 round-to-nearest-even with
 *       saturation to ±448 and NaN to {@code 0x7F} (so a NaN element, or an infinite one times {@code mult = 0},
 *       gives {@code 0x7F}).</li>
 *   <li>Stored scale: {@code inv} as a float32; or with UE8M0 (requires {@code roundScale}) the byte
 *       {@code e + 127}, four consecutive groups packed little-endian per int32 ({@link Ue8m0}), which needs
 *       {@code H} to be a multiple of 512.</li>
 * </ol>
 * Dequantization: {@code Fp8E4m3.decode(code) * scale} in float32, where a UE8M0 byte {@code b} gives the scale
 * with bits {@code b << 23}. Only at the very top of the float range can it overflow: with {@code roundScale}, the
 * largest bf16 ({@code 0x7F7F} = 255 * 2^120) gets {@code e = 120}, 255 rounds to the FP8 value 256, and
 * {@code 256 * 2^120} is +Inf.
 *
 * <p>The row-level methods ({@link #quantizeRow}, {@link #quantizeRowUe8m0}, {@link #dequantizeRow}) allocate
 * nothing; the tensor-level ones allocate their outputs and a row of scratch per call.
 *
 * <p>Stateless and thread-safe (callers must not share output arrays between threads).
 */
public final class Fp8Quantizer {

    /** Channels per scale group. */
    public static final int GROUP = 128;
    /** Channels per packed UE8M0 int32 (four groups). */
    public static final int UE8M0_PACK = 4 * GROUP;
    /** Lower bound of a group's amax (float nearest to 1e-4). */
    public static final float AMAX_FLOOR = 1e-4f;

    private static final float FP8_MAX = Fp8E4m3.MAX_FINITE;

    private Fp8Quantizer() {
    }

    /**
     * Quantizes a BF16 tensor {@code [..., H]}; each row (last dimension) is quantized independently.
     *
     * @param x          {@link DType#BF16} tensor of rank >= 1 whose last dimension {@code H} is a positive
     *                   multiple of 128 (of 512 with {@code ue8m0}).
     * @param roundScale round each inverse scale up to a power of two.
     * @param ue8m0      store the scales as packed UE8M0 bytes; requires {@code roundScale}.
     * @return the codes {@code FP8_E4M3 [..., H]} and the scales {@code FLOAT32 [..., H/128]} or
     *     {@code INT32 [..., H/512]}.
     * @throws InvalidInputException when the dtype, rank or {@code H} is unsupported, or {@code ue8m0} is asked
     *     without {@code roundScale}.
     */
    public static Fp8Tensor quantize(final HostTensor x, final boolean roundScale, final boolean ue8m0) {
        Bf16.requireDType(x, DType.BF16);
        if (x.rank() < 1) {
            throw new InvalidInputException("FP8 quantization needs a tensor of rank >= 1 [..., H], got " + x);
        }
        final int hidden = (int) Math.min(Integer.MAX_VALUE, x.dim(-1));
        checkOptions(hidden, roundScale, ue8m0);
        final long[] shape = x.shape();
        final int rows = (int) (x.numel() / hidden);
        final HostTensor data = HostTensor.zeros(DType.FP8_E4M3, shape);
        final short[] in = new short[hidden];
        final byte[] codes = new byte[hidden];
        final ShortBuffer src = x.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        final HostTensor scales;
        if (ue8m0) {
            shape[shape.length - 1] = hidden / UE8M0_PACK;
            scales = HostTensor.zeros(DType.INT32, shape);
            final int[] packed = new int[hidden / UE8M0_PACK];
            final IntBuffer dst = scales.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            for (int r = 0; r < rows; r++) {
                src.get(r * hidden, in, 0, hidden);
                quantizeRowUe8m0(in, 0, hidden, codes, 0, packed, 0);
                data.buffer().put(r * hidden, codes, 0, hidden);
                dst.put(r * packed.length, packed, 0, packed.length);
            }
        } else {
            shape[shape.length - 1] = hidden / GROUP;
            scales = HostTensor.zeros(DType.FLOAT32, shape);
            final float[] inv = new float[hidden / GROUP];
            final FloatBuffer dst = scales.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int r = 0; r < rows; r++) {
                src.get(r * hidden, in, 0, hidden);
                quantizeRow(in, 0, hidden, roundScale, codes, 0, inv, 0);
                data.buffer().put(r * hidden, codes, 0, hidden);
                dst.put(r * inv.length, inv, 0, inv.length);
            }
        }
        return new Fp8Tensor(data, scales, ue8m0);
    }

    /**
     * Dequantizes: {@code decode(code) * scale} in float32 per element.
     *
     * @param q an FP8 tensor with float or UE8M0 scales.
     * @return a new {@link DType#FLOAT32} tensor shaped like {@code q.data()}.
     */
    public static HostTensor dequantize(final Fp8Tensor q) {
        Objects.requireNonNull(q, "q");
        final long[] shape = q.data().shape();
        final int hidden = (int) q.data().dim(-1);
        final HostTensor out = HostTensor.zeros(DType.FLOAT32, shape);
        if (hidden == 0) {
            return out;
        }
        final int rows = (int) (q.data().numel() / hidden);
        final byte[] codes = new byte[hidden];
        final float[] values = new float[hidden];
        final FloatBuffer dst = out.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        if (q.ue8m0()) {
            final int[] packed = new int[hidden / UE8M0_PACK];
            final IntBuffer src = q.scales().buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            for (int r = 0; r < rows; r++) {
                q.data().buffer().get(r * hidden, codes, 0, hidden);
                src.get(r * packed.length, packed, 0, packed.length);
                dequantizeRowUe8m0(codes, 0, hidden, packed, 0, values, 0);
                dst.put(r * hidden, values, 0, hidden);
            }
        } else {
            final float[] inv = new float[hidden / GROUP];
            final FloatBuffer src = q.scales().buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int r = 0; r < rows; r++) {
                q.data().buffer().get(r * hidden, codes, 0, hidden);
                src.get(r * inv.length, inv, 0, inv.length);
                dequantizeRow(codes, 0, hidden, inv, 0, values, 0);
                dst.put(r * hidden, values, 0, hidden);
            }
        }
        return out;
    }

    /**
     * Quantizes one row with float32 inverse scales, allocating nothing.
     *
     * @param x          bf16 bits; the row is {@code x[xOff .. xOff + hidden)}.
     * @param xOff       first element of the row.
     * @param hidden     row length {@code H}, a positive multiple of 128.
     * @param roundScale round each inverse scale up to a power of two.
     * @param out        destination codes, {@code out[outOff .. outOff + hidden)}.
     * @param outOff     first destination code.
     * @param scales     destination inverse scales, {@code scales[scalesOff .. scalesOff + hidden / 128)}.
     * @param scalesOff  first destination scale.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 128.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void quantizeRow(final short[] x, final int xOff, final int hidden, final boolean roundScale,
        final byte[] out, final int outOff, final float[] scales, final int scalesOff) {
        checkOptions(hidden, roundScale, false);
        Objects.checkFromIndexSize(xOff, hidden, x.length);
        Objects.checkFromIndexSize(outOff, hidden, out.length);
        Objects.checkFromIndexSize(scalesOff, hidden / GROUP, scales.length);
        for (int g = 0; g < hidden / GROUP; g++) {
            scales[scalesOff + g] = quantizeGroup(x, xOff + g * GROUP, roundScale, out, outOff + g * GROUP);
        }
    }

    /**
     * Quantizes one row with power-of-two scales stored as packed UE8M0, allocating nothing.
     *
     * @param x         bf16 bits; the row is {@code x[xOff .. xOff + hidden)}.
     * @param xOff      first element of the row.
     * @param hidden    row length {@code H}, a positive multiple of 512.
     * @param out       destination codes, {@code out[outOff .. outOff + hidden)}.
     * @param outOff    first destination code.
     * @param packed    destination packed scales, {@code packed[packedOff .. packedOff + hidden / 512)}.
     * @param packedOff first destination int.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 512.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void quantizeRowUe8m0(final short[] x, final int xOff, final int hidden, final byte[] out,
        final int outOff, final int[] packed, final int packedOff) {
        checkOptions(hidden, true, true);
        Objects.checkFromIndexSize(xOff, hidden, x.length);
        Objects.checkFromIndexSize(outOff, hidden, out.length);
        Objects.checkFromIndexSize(packedOff, hidden / UE8M0_PACK, packed.length);
        for (int p = 0; p < hidden / UE8M0_PACK; p++) {
            int word = 0;
            for (int j = 0; j < Ue8m0.GROUPS_PER_INT; j++) {
                final int off = p * UE8M0_PACK + j * GROUP;
                final float inv = quantizeGroup(x, xOff + off, true, out, outOff + off);
                // inv = 2^e has bits (e + 127) << 23, so its biased exponent field is the UE8M0 byte.
                word |= (Float.floatToRawIntBits(inv) >>> 23) << (8 * j);
            }
            packed[packedOff + p] = word;
        }
    }

    /**
     * Dequantizes one row with float32 scales: {@code out_i = decode(code_i) * scale_(i/128)}, allocating nothing.
     *
     * @param codes     e4m3 codes, {@code codes[codesOff .. codesOff + hidden)}.
     * @param codesOff  first code.
     * @param hidden    row length, a positive multiple of 128.
     * @param scales    inverse scales, {@code hidden / 128} of them.
     * @param scalesOff first scale.
     * @param out       destination floats.
     * @param outOff    first destination element.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 128.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void dequantizeRow(final byte[] codes, final int codesOff, final int hidden,
        final float[] scales, final int scalesOff, final float[] out, final int outOff) {
        checkOptions(hidden, false, false);
        Objects.checkFromIndexSize(codesOff, hidden, codes.length);
        Objects.checkFromIndexSize(scalesOff, hidden / GROUP, scales.length);
        Objects.checkFromIndexSize(outOff, hidden, out.length);
        for (int i = 0; i < hidden; i++) {
            out[outOff + i] = Fp8E4m3.decode(codes[codesOff + i]) * scales[scalesOff + i / GROUP];
        }
    }

    /**
     * Dequantizes one row with packed UE8M0 scales: {@code out_i = decode(code_i) * Ue8m0.toFloat(byte_(i/128))},
     * allocating nothing.
     *
     * @param codes     e4m3 codes, {@code codes[codesOff .. codesOff + hidden)}.
     * @param codesOff  first code.
     * @param hidden    row length, a positive multiple of 512.
     * @param packed    packed scales, {@code hidden / 512} of them.
     * @param packedOff first packed int.
     * @param out       destination floats.
     * @param outOff    first destination element.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 512.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void dequantizeRowUe8m0(final byte[] codes, final int codesOff, final int hidden,
        final int[] packed, final int packedOff, final float[] out, final int outOff) {
        checkOptions(hidden, true, true);
        Objects.checkFromIndexSize(codesOff, hidden, codes.length);
        Objects.checkFromIndexSize(packedOff, hidden / UE8M0_PACK, packed.length);
        Objects.checkFromIndexSize(outOff, hidden, out.length);
        for (int i = 0; i < hidden; i++) {
            final int g = i / GROUP;
            final float scale = Ue8m0.toFloat((byte) (packed[packedOff + g / 4] >>> (8 * (g % 4))));
            out[outOff + i] = Fp8E4m3.decode(codes[codesOff + i]) * scale;
        }
    }

    /**
     * {@code ceil(log2(v))} of a positive float, read from its bits. For a normal {@code v}: the unbiased exponent,
     * plus 1 when the mantissa field is nonzero. For a subnormal {@code v = m * 2^-149}: the exact
     * {@code ceil(log2(m)) - 149} (the quantizer never produces one: its argument is at least
     * {@code 1e-4f / 448f}). For {@code +Inf}: 128 (exponent field 255, mantissa 0, by the same bit rule).
     *
     * @param v a positive float or +Inf.
     * @return the smallest {@code e} with {@code v <= 2^e}.
     * @throws InvalidInputException when {@code v} is zero, negative or NaN.
     */
    public static int ceilLog2(final float v) {
        if (!(v > 0f)) {
            throw new InvalidInputException("ceilLog2 needs a positive float, got " + v);
        }
        final int bits = Float.floatToRawIntBits(v);
        final int exp = bits >>> 23;
        final int man = bits & 0x7FFFFF;
        if (exp == 0) {
            return (32 - Integer.numberOfLeadingZeros(man - 1)) - 149;
        }
        return ceilLog2Normal(bits);
    }

    private static int ceilLog2Normal(final int bits) {
        return (bits >>> 23) - 127 + ((bits & 0x7FFFFF) != 0 ? 1 : 0);
    }

    /**
     * Quantizes one group of 128 and returns its stored inverse scale (see the class comment for the exact
     * operations).
     */
    private static float quantizeGroup(final short[] x, final int xOff, final boolean roundScale, final byte[] out,
        final int outOff) {
        // Max of |x| over the bf16 magnitude bits: for non-NaN values the integer order is the float order.
        int maxBits = 0;
        for (int i = 0; i < GROUP; i++) {
            maxBits = Math.max(maxBits, x[xOff + i] & 0x7FFF);
        }
        if (maxBits > 0x7F80) {
            maxBits = maxIgnoringNaN(x, xOff);
        }
        float amax = Float.intBitsToFloat(maxBits << 16);
        if (amax < AMAX_FLOOR) {
            amax = AMAX_FLOOR;
        }
        final float mult;
        final float inv;
        if (roundScale) {
            final int e = ceilLog2Normal(Float.floatToRawIntBits(amax / FP8_MAX));
            inv = Float.intBitsToFloat((e + 127) << 23);
            mult = 1f / inv;
        } else {
            mult = FP8_MAX / amax;
            inv = amax / FP8_MAX;
        }
        for (int i = 0; i < GROUP; i++) {
            out[outOff + i] = Fp8E4m3.encode(Float.intBitsToFloat(x[xOff + i] << 16) * mult);
        }
        return inv;
    }

    private static int maxIgnoringNaN(final short[] x, final int xOff) {
        int maxBits = 0;
        for (int i = 0; i < GROUP; i++) {
            final int m = x[xOff + i] & 0x7FFF;
            if (m <= 0x7F80 && m > maxBits) {
                maxBits = m;
            }
        }
        return maxBits;
    }

    private static void checkOptions(final int hidden, final boolean roundScale, final boolean ue8m0) {
        if (hidden <= 0 || hidden % GROUP != 0) {
            throw new InvalidInputException("FP8 quantization needs the hidden size H to be a positive multiple of "
                + GROUP + " (one scale per 128 channels), got H=" + hidden);
        }
        if (ue8m0 && !roundScale) {
            throw new InvalidInputException("UE8M0 scales require roundScale=true (a UE8M0 byte can only hold a "
                + "power of two); pass roundScale=true or ue8m0=false");
        }
        if (ue8m0 && hidden % UE8M0_PACK != 0) {
            throw new InvalidInputException("UE8M0 scales pack 4 groups of 128 per int32, so H must be a multiple of "
                + UE8M0_PACK + ", got H=" + hidden + " (" + hidden / GROUP + " groups); use float scales "
                + "(ue8m0=false) for this H");
        }
    }
}
