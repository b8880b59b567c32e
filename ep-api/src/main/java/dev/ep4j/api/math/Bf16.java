package dev.ep4j.api.math;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * bfloat16 conversions. A bf16 value is the upper 16 bits of an IEEE binary32: 1 sign bit, 8 exponent bits (bias
 * 127), 7 mantissa bits. ep4j stores bf16 as its raw bits in a {@code short} (see {@link DType#BF16}).
 *
 * <ul>
 *   <li>{@link #toFloat(short)} is exact: the bits are shifted into the upper half of a float.</li>
 *   <li>{@link #fromFloat(float)} rounds to nearest, ties to even (IEEE roundTiesToEven): finite values whose
 *       magnitude is at least {@code 0x1.FFp127} (halfway between the largest finite bf16, {@code 0x7F7F}, and
 *       2^128) become infinity of the same sign; ±0, subnormals, ±Inf are handled as IEEE prescribes (subnormals
 *       are kept, never flushed to zero). Every NaN, whatever its sign and payload, becomes {@code 0x7FFF} — what
 *       CUDA's {@code __float2bfloat16_rn} produces, so the cuda backend matches bit for bit without special
 *       handling.</li>
 * </ul>
 *
 * <p>CUDA: on an H100 (CUDA 13.0, {@code sm_90}), {@code __float2bfloat16_rn} gave the same bits as
 * {@link #fromFloat(float)} for every one of the 2^32 float inputs except NaNs, which it turns into {@code 0x7FFF}
 * whatever their sign; this class therefore uses {@code 0x7FFF} for every NaN too.
 *
 * <p>Stateless and thread-safe.
 */
public final class Bf16 {

    /** The NaN every NaN input becomes, as CUDA's {@code __float2bfloat16_rn} produces it. */
    public static final short QUIET_NAN = (short) 0x7FFF;

    private Bf16() {
    }

    /**
     * Decodes bf16 bits exactly.
     *
     * @param bits raw bf16 bits.
     * @return the same value as a float (NaN payloads are kept).
     */
    public static float toFloat(final short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Encodes a float to bf16 bits, round to nearest, ties to even; see the class comment for NaN, infinity and
     * overflow.
     *
     * @param value any float.
     * @return raw bf16 bits.
     */
    public static short fromFloat(final float value) {
        final int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return QUIET_NAN;
        }
        // Adding 0x7FFF plus the lowest kept bit rounds the discarded 16 bits to nearest, ties to even; a carry
        // propagates into the exponent (up to infinity), which is exactly IEEE rounding for non-NaN inputs.
        final int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * Decodes {@code length} bf16 values.
     *
     * @param src    bf16 bits.
     * @param srcOff first source index.
     * @param dst    destination floats.
     * @param dstOff first destination index.
     * @param length number of elements.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void toFloat(final short[] src, final int srcOff, final float[] dst, final int dstOff,
        final int length) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, length, dst.length);
        for (int i = 0; i < length; i++) {
            dst[dstOff + i] = Float.intBitsToFloat((src[srcOff + i] & 0xFFFF) << 16);
        }
    }

    /**
     * Encodes {@code length} floats to bf16 with {@link #fromFloat(float)}.
     *
     * @param src    source floats.
     * @param srcOff first source index.
     * @param dst    destination bf16 bits.
     * @param dstOff first destination index.
     * @param length number of elements.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void fromFloat(final float[] src, final int srcOff, final short[] dst, final int dstOff,
        final int length) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, length, dst.length);
        for (int i = 0; i < length; i++) {
            dst[dstOff + i] = fromFloat(src[srcOff + i]);
        }
    }

    /**
     * Converts a BF16 tensor to a new FLOAT32 tensor of the same shape (exact).
     *
     * @param bf16 a {@link DType#BF16} tensor.
     * @return a new {@link DType#FLOAT32} tensor.
     * @throws InvalidInputException when {@code bf16} is not BF16.
     */
    public static HostTensor toFloat32(final HostTensor bf16) {
        requireDType(bf16, DType.BF16);
        final HostTensor out = HostTensor.zeros(DType.FLOAT32, bf16.shape());
        final ByteBuffer in = bf16.buffer();
        final ByteBuffer dst = out.buffer();
        final int n = (int) bf16.numel();
        for (int i = 0; i < n; i++) {
            dst.putFloat(4 * i, toFloat(in.getShort(2 * i)));
        }
        return out;
    }

    /**
     * Converts a FLOAT32 tensor to a new BF16 tensor of the same shape with {@link #fromFloat(float)}.
     *
     * @param f32 a {@link DType#FLOAT32} tensor.
     * @return a new {@link DType#BF16} tensor.
     * @throws InvalidInputException when {@code f32} is not FLOAT32.
     */
    public static HostTensor fromFloat32(final HostTensor f32) {
        requireDType(f32, DType.FLOAT32);
        final HostTensor out = HostTensor.zeros(DType.BF16, f32.shape());
        final ByteBuffer in = f32.buffer();
        final ByteBuffer dst = out.buffer();
        final int n = (int) f32.numel();
        for (int i = 0; i < n; i++) {
            dst.putShort(2 * i, fromFloat(in.getFloat(4 * i)));
        }
        return out;
    }

    static void requireDType(final HostTensor t, final DType expected) {
        Objects.requireNonNull(t, "tensor");
        if (t.dtype() != expected) {
            throw new InvalidInputException("expected a " + expected + " tensor, got " + t
                + "; convert it to " + expected + " first");
        }
    }
}
