package dev.ep4j.api.math;

/**
 * float8 e4m3 "fn" (finite, NaN-only) conversions, the element type of {@link dev.ep4j.api.tensor.DType#FP8_E4M3}.
 *
 * <p>Code layout {@code S EEEE MMM}: sign bit, 4 exponent bits (bias 7), 3 mantissa bits. Exponent field 0 is
 * subnormal: value {@code M * 2^-9} (so 2^-9 is the smallest positive value). Exponent fields 1..15 are normal:
 * {@code (1 + M/8) * 2^(E-7)}. There are no infinities; {@code 0x7F} and {@code 0xFF} (E = 15, M = 7) are NaN, so
 * the largest finite magnitude is {@code 0x7E} = 448. There are 254 finite codes (including +0 {@code 0x00} and -0
 * {@code 0x80}).
 *
 * <p>{@link #encode(float)} converts like CUDA's {@code __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3)}:
 * <ul>
 *   <li>finite values round to the nearest representable value, ties to even (the code with an even mantissa,
 *       i.e. an even code); the sign is always kept, so a negative value that rounds to zero gives -0
 *       ({@code 0x80});</li>
 *   <li>saturation: every finite magnitude above 448 (including 464, the halfway point to the non-existent 480)
 *       becomes ±448 ({@code 0x7E}/{@code 0xFE}); ±Inf becomes ±448 too;</li>
 *   <li>every NaN becomes {@code 0x7F}, whatever its sign (the sign of a NaN is not kept);</li>
 *   <li>float subnormals are not flushed: they round like any other value (always to ±0).</li>
 * </ul>
 * On an H100 (CUDA 13.0, {@code sm_90}) this algorithm gave the same byte as
 * {@code __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3)} for all 2^32 float inputs, NaNs included.
 *
 * <p>Stateless and thread-safe.
 */
public final class Fp8E4m3 {

    /** Largest finite magnitude, 448 = 1.75 * 2^8. */
    public static final float MAX_FINITE = 448f;
    /** The NaN code produced by {@link #encode(float)}. */
    public static final byte NAN = (byte) 0x7F;
    /** Code of +448. */
    public static final byte MAX_CODE = (byte) 0x7E;

    /** float bits of 448. */
    private static final int MAX_FINITE_BITS = 0x43E00000;
    /** float bits of 2^-6, the smallest normal e4m3 magnitude. */
    private static final int MIN_NORMAL_BITS = 0x3C800000;

    private static final float[] DECODE = new float[256];

    static {
        for (int c = 0; c < 256; c++) {
            DECODE[c] = decodeSlow(c);
        }
    }

    private Fp8E4m3() {
    }

    private static float decodeSlow(final int code) {
        final int exp = (code >>> 3) & 0xF;
        final int man = code & 7;
        final float sign = (code & 0x80) != 0 ? -1f : 1f;
        if (exp == 15 && man == 7) {
            return Float.NaN;
        }
        if (exp == 0) {
            return sign * Math.scalb((float) man, -9);
        }
        return sign * Math.scalb((float) (8 + man), exp - 10);
    }

    /**
     * Decodes a code exactly (every e4m3 value is a float).
     *
     * @param code raw e4m3 bits.
     * @return the value; {@code Float.NaN} for {@code 0x7F} and {@code 0xFF}; -0.0f for {@code 0x80}.
     */
    public static float decode(final byte code) {
        return DECODE[code & 0xFF];
    }

    /**
     * Encodes a float: round to nearest, ties to even, saturating to ±448, NaN to {@code 0x7F} (see the class
     * comment).
     *
     * @param value any float.
     * @return raw e4m3 bits.
     */
    public static byte encode(final float value) {
        final int bits = Float.floatToRawIntBits(value);
        final int sign = (bits >>> 24) & 0x80;
        final int abs = bits & 0x7FFFFFFF;
        if (abs >= MAX_FINITE_BITS) {
            // >= 448, +Inf or NaN.
            return abs > 0x7F800000 ? NAN : (byte) (sign | 0x7E);
        }
        if (abs < MIN_NORMAL_BITS) {
            // e4m3 subnormal range: multiples of 2^-9. The product by 2^9 is exact; rint is ties-to-even.
            // The result is 0..8, and 8 is the code of 2^-6 (exponent field 1, mantissa 0).
            return (byte) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 512f));
        }
        // Normal range [2^-6, 448): keep 3 of the 23 mantissa bits, rounding the other 20 to nearest even. A carry
        // moves into the exponent, as it should. The float exponent (bias 127) is rebased to bias 7.
        final int rounded = abs + 0x7FFFF + ((abs >>> 20) & 1);
        return (byte) (sign | ((rounded >>> 20) - ((127 - 7) << 3)));
    }
}
