package dev.ep4j.api.math;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * UE8M0 scale factors: an unsigned 8-bit biased exponent {@code b} standing for the power of two {@code 2^(b-127)},
 * and their packing four to an int32.
 *
 * <p>Packing: four consecutive 128-channel groups {@code 4i .. 4i+3} share int32 number {@code i}; group
 * {@code 4i+j} is byte {@code j}, little-endian, i.e. bits {@code [8j, 8j+8)}. A token of hidden size {@code H}
 * therefore has {@code H / 512} packed ints.
 *
 * <p>Value of a byte (as the DeepEP test helper reads it): the float whose bit pattern is {@code b << 23}. That is
 * {@code 2^(b-127)} for {@code b} in 1..254, +0.0f for {@code b = 0} (not 2^-127) and +Inf for {@code b = 255}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ue8m0 {

    /** Exponent bias: byte {@code b} stands for {@code 2^(b - 127)}. */
    public static final int BIAS = 127;
    /** Scale groups per packed int32. */
    public static final int GROUPS_PER_INT = 4;

    private Ue8m0() {
    }

    /**
     * Packs four exponent bytes little-endian.
     *
     * @param b0 byte of group {@code 4i} (bits 0..7).
     * @param b1 byte of group {@code 4i+1} (bits 8..15).
     * @param b2 byte of group {@code 4i+2} (bits 16..23).
     * @param b3 byte of group {@code 4i+3} (bits 24..31).
     * @return the packed int.
     */
    public static int pack(final byte b0, final byte b1, final byte b2, final byte b3) {
        return (b0 & 0xFF) | (b1 & 0xFF) << 8 | (b2 & 0xFF) << 16 | (b3 & 0xFF) << 24;
    }

    /**
     * Packs a run of exponent bytes.
     *
     * @param bytes    exponent bytes, one per group.
     * @param bytesOff first byte index.
     * @param count    number of groups, a multiple of 4.
     * @param dst      destination ints ({@code count / 4} are written).
     * @param dstOff   first destination index.
     * @throws InvalidInputException when {@code count} is not a multiple of 4.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void pack(final byte[] bytes, final int bytesOff, final int count, final int[] dst,
        final int dstOff) {
        if (count % GROUPS_PER_INT != 0) {
            throw new InvalidInputException("UE8M0 packing needs a multiple of 4 groups, got count=" + count);
        }
        Objects.checkFromIndexSize(bytesOff, count, bytes.length);
        Objects.checkFromIndexSize(dstOff, count / GROUPS_PER_INT, dst.length);
        for (int i = 0; i < count / GROUPS_PER_INT; i++) {
            final int o = bytesOff + GROUPS_PER_INT * i;
            dst[dstOff + i] = pack(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
        }
    }

    /**
     * Extracts one exponent byte.
     *
     * @param packed   a packed int.
     * @param position group position inside it, 0..3.
     * @return the exponent byte of group {@code 4i + position}.
     * @throws InvalidInputException when {@code position} is outside 0..3.
     */
    public static byte unpack(final int packed, final int position) {
        if (position < 0 || position >= GROUPS_PER_INT) {
            throw new InvalidInputException("UE8M0 byte position " + position + " is outside 0..3");
        }
        return (byte) (packed >>> (8 * position));
    }

    /**
     * Unpacks a run of ints into exponent bytes.
     *
     * @param packed    packed ints.
     * @param packedOff first int index.
     * @param ints      number of ints ({@code 4 * ints} bytes are written).
     * @param dst       destination bytes.
     * @param dstOff    first destination index.
     * @throws IndexOutOfBoundsException when a range exceeds its array.
     */
    public static void unpack(final int[] packed, final int packedOff, final int ints, final byte[] dst,
        final int dstOff) {
        Objects.checkFromIndexSize(packedOff, ints, packed.length);
        Objects.checkFromIndexSize(dstOff, GROUPS_PER_INT * ints, dst.length);
        for (int i = 0; i < ints; i++) {
            final int p = packed[packedOff + i];
            for (int j = 0; j < GROUPS_PER_INT; j++) {
                dst[dstOff + GROUPS_PER_INT * i + j] = (byte) (p >>> (8 * j));
            }
        }
    }

    /**
     * The scale a byte stands for: the float with bits {@code (b & 0xFF) << 23}.
     *
     * @param b exponent byte.
     * @return {@code 2^(b-127)}; +0.0f for 0; +Inf for 255.
     */
    public static float toFloat(final byte b) {
        return Float.intBitsToFloat((b & 0xFF) << 23);
    }

    /**
     * The byte of a power of two {@code 2^e}.
     *
     * @param exponent unbiased exponent {@code e}, in -127..128.
     * @return {@code e + 127} as a byte.
     * @throws InvalidInputException when {@code e + 127} does not fit 0..255.
     */
    public static byte fromExponent(final int exponent) {
        if (exponent < -BIAS || exponent > 255 - BIAS) {
            throw new InvalidInputException("UE8M0 exponent " + exponent + " is outside -127..128");
        }
        return (byte) (exponent + BIAS);
    }

    /**
     * Expands packed UE8M0 scales {@code INT32 [..., H/512]} to float scales {@code FLOAT32 [..., H/128]} with
     * {@link #toFloat(byte)}.
     *
     * @param packed an {@link DType#INT32} tensor of rank at least 1.
     * @return a new {@link DType#FLOAT32} tensor whose last dimension is 4 times larger.
     * @throws InvalidInputException when {@code packed} is not INT32 or is 0-d.
     */
    public static HostTensor unpackScales(final HostTensor packed) {
        Bf16.requireDType(packed, DType.INT32);
        if (packed.rank() < 1) {
            throw new InvalidInputException("packed UE8M0 scales must have rank >= 1, got " + packed);
        }
        final long[] shape = packed.shape();
        shape[shape.length - 1] *= GROUPS_PER_INT;
        final HostTensor out = HostTensor.zeros(DType.FLOAT32, shape);
        final ByteBuffer in = packed.buffer();
        final ByteBuffer dst = out.buffer();
        final int n = (int) packed.numel();
        for (int i = 0; i < n; i++) {
            final int p = in.getInt(4 * i);
            for (int j = 0; j < GROUPS_PER_INT; j++) {
                dst.putFloat(4 * (GROUPS_PER_INT * i + j), toFloat((byte) (p >>> (8 * j))));
            }
        }
        return out;
    }
}
