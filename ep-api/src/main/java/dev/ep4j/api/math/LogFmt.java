package dev.ep4j.api.math;

import dev.ep4j.api.error.InvalidInputException;
import java.util.Objects;

/**
 * LogFMT-10, the optional logarithmic wire format of low-latency combine (spec/semantics.md §6.7): 128-channel
 * divisions of a BF16 row are sent either as 9-bit logarithmic codes plus a sign bit (10 bits a value) or, where
 * the format does not apply, as raw BF16.
 *
 * <h2>Per division (128 consecutive elements)</h2>
 * <ul>
 *   <li>{@code amax} = max |x|, {@code amin} = min |x|, both over <b>all</b> 128 elements, zeros included (so one
 *       zero element makes {@code amin = 0}; this is the reading of the spec's "amin = 0 ⇒ Lm = La − 32", a case
 *       that could not arise if zeros were skipped). Both are exact bf16 magnitudes; a NaN element makes
 *       {@code amax} NaN (the largest magnitude bits win).</li>
 *   <li>{@code La = log2(amax)}; {@code Lm = La - 32} if {@code amin = 0}, else
 *       {@code Lm = max(log2(amin), La - 32)}.</li>
 *   <li>The division is <i>encoded</i> iff {@code La < 0 && Lm < La} (false for NaN, for {@code amax = 0}, for
 *       {@code amax >= 1} and for a division whose magnitudes are all equal); otherwise it is <i>raw</i>.</li>
 *   <li>Encoded: {@code step = (La - Lm) / 510}, {@code rho = 2 - log2((1 + 2^step) / 2) / step},
 *       {@code code(x) = 0} for {@code x = ±0}, else
 *       {@code min(511, floor(max(0, log2|x| / step + rho - Lm / step)))} evaluated left to right as
 *       {@code ((log2|x| / step) + rho) - (Lm / step)}. Code 0 decodes to a zero, code {@code c >= 1} to the
 *       magnitude {@code 2^((c - 1) * step + Lm)} rounded to float; the sign bit is always kept (so a tiny value
 *       whose code is 0 decodes to a zero of its own sign). The rounding offset puts the decision threshold
 *       between levels {@code l} and {@code l * 2^step} at their arithmetic mean, so the relative error of a value
 *       with {@code |x| >= 2^Lm} is at most {@code (2^step - 1) / (2^step + 1)}.</li>
 *   <li>Raw: the 128 bf16 bit patterns, decoded exactly.</li>
 * </ul>
 * Whether a division is encoded is a function of its metadata only, so the decoder needs no flag.
 *
 * <h2>Arithmetic</h2>
 * All of the above is computed in double precision: {@code log2(v) = e + StrictMath.log(m) / StrictMath.log(2)}
 * where {@code v = m * 2^e}, {@code 1 <= m < 2} (exact for powers of two), and {@code 2^y = StrictMath.pow(2, y)}.
 * {@link StrictMath} (fdlibm) makes the Java result reproducible on every JVM. A CUDA kernel that must match bit
 * for bit has to compute the same quantities in double precision with the same decomposition; its {@code log}
 * and {@code pow} may still differ from fdlibm in the last ulp, which changes a code only when a value lies within
 * about 1e-15 (relative) of a decision threshold.
 *
 * <h2>Wire packing of one row of {@code H} elements ({@code S = H / 128} divisions)</h2>
 * <ol>
 *   <li>{@code 4 S} metadata bytes: division {@code d} stores {@code amax} bf16 bits at {@code 4d} and
 *       {@code amin} bf16 bits at {@code 4d + 2}, each little-endian. Raw divisions have metadata too.</li>
 *   <li>The division payloads, back to back in division order: 160 bytes for an encoded division, 256 bytes for a
 *       raw one (128 little-endian bf16 values). The row therefore takes between {@code H * 10 / 8 + 4 S} and
 *       {@code 2 H + 4 S} bytes.</li>
 *   <li>An encoded division is 8 blocks of 20 bytes; block {@code b} holds elements {@code 16b .. 16b + 15} as a
 *       160-bit little-endian bit string (bit {@code k} is bit {@code k % 8} of byte {@code k / 8}): bits 0..15
 *       are the sign bits (bit {@code j} for element {@code 16b + j}), then the 9-bit code of element
 *       {@code 16b + j} occupies bits {@code 16 + 9j .. 16 + 9j + 8}, least significant bit first.</li>
 * </ol>
 * This packing is ep4j's own; DeepEP's kernel interleaves raw and encoded chunks along its 32-lane TMA chunks,
 * which only matters for byte compatibility with DeepEP itself.
 *
 * <p>Stateless and thread-safe.
 */
public final class LogFmt {

    /** Elements per division. */
    public static final int DIVISION = 128;
    /** Metadata bytes per division (bf16 amax and amin). */
    public static final int META_BYTES = 4;
    /** Payload bytes of an encoded division (128 values × 10 bits). */
    public static final int ENCODED_DIVISION_BYTES = DIVISION * 10 / 8;
    /** Payload bytes of a raw division (128 bf16 values). */
    public static final int RAW_DIVISION_BYTES = DIVISION * 2;
    /** Largest code (9 bits). */
    public static final int MAX_CODE = 511;
    /** Dynamic range clip: {@code Lm >= La - 32}. */
    public static final double CLIP_OCTAVES = 32;
    /** Number of steps between {@code Lm} and {@code La}. */
    public static final int STEPS = 510;

    private static final int VALUES_PER_BLOCK = 16;
    private static final int BLOCK_BYTES = 20;
    private static final double LN2 = StrictMath.log(2.0);

    private LogFmt() {
    }

    /**
     * Logical bytes of one LogFMT row as DeepEP's tests account it: {@code H * 10 / 8 + 4 S}.
     *
     * @param hidden row length {@code H}, a positive multiple of 128.
     * @return bytes per combined selection with LogFMT.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 128.
     */
    public static int encodedBytes(final int hidden) {
        checkHidden(hidden);
        return hidden * 10 / 8 + META_BYTES * (hidden / DIVISION);
    }

    /**
     * Largest number of bytes {@link #encode} writes for one row (every division raw): {@code 2 H + 4 S}, the
     * combine slot size with LogFMT.
     *
     * @param hidden row length {@code H}, a positive multiple of 128.
     * @return the worst-case encoded size in bytes.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 128.
     */
    public static int maxBytes(final int hidden) {
        checkHidden(hidden);
        return 2 * hidden + META_BYTES * (hidden / DIVISION);
    }

    /**
     * Encodes one BF16 row; allocates nothing.
     *
     * @param row    bf16 bits; the row is {@code row[rowOff .. rowOff + hidden)}.
     * @param rowOff first element.
     * @param hidden row length {@code H}, a positive multiple of 128.
     * @param dst    destination; {@link #maxBytes(int)} bytes from {@code dstOff} must be available.
     * @param dstOff first destination byte.
     * @return bytes written (between {@link #encodedBytes(int)} and {@link #maxBytes(int)}).
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 128.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static int encode(final short[] row, final int rowOff, final int hidden, final byte[] dst,
        final int dstOff) {
        final int divisions = hidden / DIVISION;
        Objects.checkFromIndexSize(rowOff, hidden, row.length);
        Objects.checkFromIndexSize(dstOff, maxBytes(hidden), dst.length);
        int pos = dstOff + META_BYTES * divisions;
        for (int d = 0; d < divisions; d++) {
            final int base = rowOff + d * DIVISION;
            int maxBits = 0;
            int minBits = 0xFFFF;
            for (int i = 0; i < DIVISION; i++) {
                final int m = row[base + i] & 0x7FFF;
                maxBits = Math.max(maxBits, m);
                minBits = Math.min(minBits, m);
            }
            putShort(dst, dstOff + META_BYTES * d, maxBits);
            putShort(dst, dstOff + META_BYTES * d + 2, minBits);
            final double la = upperLog(maxBits);
            final double lm = Double.isNaN(la) ? Double.NaN : lowerLog(minBits, la);
            if (Double.isNaN(lm)) {
                for (int i = 0; i < DIVISION; i++) {
                    putShort(dst, pos + 2 * i, row[base + i]);
                }
                pos += RAW_DIVISION_BYTES;
                continue;
            }
            final double step = (la - lm) / STEPS;
            final double rho = rho(step);
            final double lmOverStep = lm / step;
            for (int b = 0; b < DIVISION / VALUES_PER_BLOCK; b++) {
                final int first = base + b * VALUES_PER_BLOCK;
                int out = pos + b * BLOCK_BYTES;
                long acc = 0;
                for (int j = 0; j < VALUES_PER_BLOCK; j++) {
                    acc |= (long) ((row[first + j] >>> 15) & 1) << j;
                }
                int nbits = VALUES_PER_BLOCK;
                for (int j = 0; j < VALUES_PER_BLOCK; j++) {
                    acc |= (long) code(row[first + j], step, rho, lmOverStep) << nbits;
                    nbits += 9;
                    while (nbits >= 8) {
                        dst[out++] = (byte) acc;
                        acc >>>= 8;
                        nbits -= 8;
                    }
                }
            }
            pos += ENCODED_DIVISION_BYTES;
        }
        return pos - dstOff;
    }

    /**
     * Decodes one row written by {@link #encode}; allocates nothing.
     *
     * @param src    encoded bytes from {@code srcOff}.
     * @param srcOff first source byte.
     * @param hidden row length {@code H}, a positive multiple of 128.
     * @param dst    destination floats, {@code dst[dstOff .. dstOff + hidden)}.
     * @param dstOff first destination element.
     * @return bytes consumed.
     * @throws InvalidInputException when {@code hidden} is not a positive multiple of 128.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static int decode(final byte[] src, final int srcOff, final int hidden, final float[] dst,
        final int dstOff) {
        checkHidden(hidden);
        final int divisions = hidden / DIVISION;
        Objects.checkFromIndexSize(srcOff, META_BYTES * divisions, src.length);
        Objects.checkFromIndexSize(dstOff, hidden, dst.length);
        int pos = srcOff + META_BYTES * divisions;
        for (int d = 0; d < divisions; d++) {
            final int out = dstOff + d * DIVISION;
            final int maxBits = getShort(src, srcOff + META_BYTES * d) & 0x7FFF;
            final double la = upperLog(maxBits);
            final int minBits = getShort(src, srcOff + META_BYTES * d + 2) & 0x7FFF;
            final double lm = Double.isNaN(la) ? Double.NaN : lowerLog(minBits, la);
            if (Double.isNaN(lm)) {
                Objects.checkFromIndexSize(pos, RAW_DIVISION_BYTES, src.length);
                for (int i = 0; i < DIVISION; i++) {
                    dst[out + i] = Bf16.toFloat((short) getShort(src, pos + 2 * i));
                }
                pos += RAW_DIVISION_BYTES;
                continue;
            }
            Objects.checkFromIndexSize(pos, ENCODED_DIVISION_BYTES, src.length);
            final double step = (la - lm) / STEPS;
            for (int b = 0; b < DIVISION / VALUES_PER_BLOCK; b++) {
                int in = pos + b * BLOCK_BYTES;
                long acc = (src[in] & 0xFF) | (src[in + 1] & 0xFF) << 8;
                in += 2;
                final int signs = (int) acc;
                acc = 0;
                int nbits = 0;
                for (int j = 0; j < VALUES_PER_BLOCK; j++) {
                    while (nbits < 9) {
                        acc |= (long) (src[in++] & 0xFF) << nbits;
                        nbits += 8;
                    }
                    final int code = (int) (acc & MAX_CODE);
                    acc >>>= 9;
                    nbits -= 9;
                    final float mag = magnitude(code, step, lm);
                    dst[out + b * VALUES_PER_BLOCK + j] = ((signs >>> j) & 1) != 0 ? -mag : mag;
                }
            }
            pos += ENCODED_DIVISION_BYTES;
        }
        return pos - srcOff;
    }

    /**
     * Whether a division with this metadata is sent encoded (else raw BF16).
     *
     * @param amaxBits bf16 bits of max |x| over the division.
     * @param aminBits bf16 bits of min |x| over the division (zeros included).
     * @return {@code La < 0 && Lm < La}.
     */
    public static boolean isEncoded(final short amaxBits, final short aminBits) {
        final double la = upperLog(amaxBits & 0x7FFF);
        return !Double.isNaN(la) && !Double.isNaN(lowerLog(aminBits & 0x7FFF, la));
    }

    /**
     * {@code log2(v)} as defined in the class comment: {@code e + StrictMath.log(m) / StrictMath.log(2)} with
     * {@code v = m * 2^e}, {@code 1 <= m < 2}.
     *
     * @param v a positive, finite, normal double (every float is one).
     * @return its base-2 logarithm (exact for powers of two).
     */
    static double log2(final double v) {
        final int e = Math.getExponent(v);
        final double m = Math.scalb(v, -e);
        return e + StrictMath.log(m) / LN2;
    }

    private static void checkHidden(final int hidden) {
        if (hidden <= 0 || hidden % DIVISION != 0) {
            throw new InvalidInputException("LogFMT needs the hidden size H to be a positive multiple of "
                + DIVISION + ", got H=" + hidden);
        }
    }

    private static void putShort(final byte[] dst, final int off, final int v) {
        dst[off] = (byte) v;
        dst[off + 1] = (byte) (v >>> 8);
    }

    private static int getShort(final byte[] src, final int off) {
        return (src[off] & 0xFF) | (src[off + 1] & 0xFF) << 8;
    }

    /**
     * {@code Lm} of an encoded division, or NaN when the division is sent raw.
     *
     * @param aminBits bf16 magnitude bits of amin.
     * @param la       {@code log2(amax)}, amax positive and finite.
     */
    private static double lowerLog(final int aminBits, final double la) {
        final float amin = Bf16.toFloat((short) aminBits);
        final double lm = amin == 0f ? la - CLIP_OCTAVES : Math.max(log2(amin), la - CLIP_OCTAVES);
        return la < 0 && lm < la ? lm : Double.NaN;
    }

    /**
     * {@code log2(amax)} when amax is positive and finite, else NaN (amax = 0, +Inf or NaN: always raw).
     */
    private static double upperLog(final int amaxBits) {
        final float amax = Bf16.toFloat((short) amaxBits);
        return amax > 0f && amax < Float.POSITIVE_INFINITY ? log2(amax) : Double.NaN;
    }

    private static double rho(final double step) {
        return 2.0 - log2((1.0 + StrictMath.pow(2.0, step)) / 2.0) / step;
    }

    private static int code(final short bits, final double step, final double rho, final double lmOverStep) {
        final int mag = bits & 0x7FFF;
        if (mag == 0) {
            return 0;
        }
        final double t = log2(Bf16.toFloat((short) mag)) / step + rho - lmOverStep;
        return (int) Math.min(MAX_CODE, Math.floor(Math.max(0.0, t)));
    }

    private static float magnitude(final int code, final double step, final double lm) {
        return code == 0 ? 0f : (float) StrictMath.pow(2.0, (code - 1) * step + lm);
    }
}
