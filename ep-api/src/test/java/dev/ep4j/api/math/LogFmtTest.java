package dev.ep4j.api.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ep4j.api.error.InvalidInputException;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogFmtTest {

    /** Kinds of random divisions. */
    private enum Kind { DENSE, WITH_ZEROS, WIDE_RANGE, ABOVE_ONE, EQUAL, ALL_ZERO, NON_FINITE }

    private static short bf(final double v) {
        return Bf16.fromFloat((float) v);
    }

    private static void fillDivision(final SplittableRandom rnd, final short[] row, final int off, final Kind kind) {
        final double scale = Math.pow(2, rnd.nextDouble(-40, -3));
        for (int i = 0; i < 128; i++) {
            final double v;
            switch (kind) {
                case WITH_ZEROS:
                    v = rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? 0.0 : -0.0) : rnd.nextGaussian() * scale;
                    break;
                case WIDE_RANGE: // magnitudes spread over ~60 octaves: exercises the La - 32 clip
                    v = (rnd.nextBoolean() ? -1 : 1) * Math.pow(2, rnd.nextDouble(-70, -1));
                    break;
                case ABOVE_ONE:
                    v = i == 17 ? 1.0 + rnd.nextDouble(3) : rnd.nextGaussian() * 0.1;
                    break;
                case EQUAL:
                    v = (rnd.nextBoolean() ? -1 : 1) * 0.375;
                    break;
                case ALL_ZERO:
                    v = rnd.nextBoolean() ? 0.0 : -0.0;
                    break;
                case NON_FINITE:
                    v = i == 5 ? (rnd.nextBoolean() ? Double.NaN : Double.NEGATIVE_INFINITY) : rnd.nextGaussian() * 0.1;
                    break;
                default:
                    v = rnd.nextGaussian() * scale;
                    break;
            }
            row[off + i] = bf(v);
        }
    }

    /** Independent statement of the encoding condition: 0 < amax < 1 (finite) and amin < amax. */
    private static boolean expectEncoded(final short[] row, final int off) {
        double amax = 0;
        double amin = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 128; i++) {
            final double a = Math.abs(Bf16.toFloat(row[off + i]));
            if (Double.isNaN(a)) {
                return false;
            }
            amax = Math.max(amax, a);
            amin = Math.min(amin, a);
        }
        return amax > 0 && amax < 1 && amin < amax;
    }

    /** The wire layout, read independently of LogFmt.decode. */
    private static final class Unpacked {
        final int[] amaxBits;
        final int[] aminBits;
        final int[][] codes;
        final int[][] signs;
        final int bytes;

        Unpacked(final byte[] buf, final int off, final int hidden, final boolean[] encoded) {
            final int divisions = hidden / 128;
            amaxBits = new int[divisions];
            aminBits = new int[divisions];
            codes = new int[divisions][];
            signs = new int[divisions][];
            int pos = off + 4 * divisions;
            for (int d = 0; d < divisions; d++) {
                amaxBits[d] = (buf[off + 4 * d] & 0xFF) | (buf[off + 4 * d + 1] & 0xFF) << 8;
                aminBits[d] = (buf[off + 4 * d + 2] & 0xFF) | (buf[off + 4 * d + 3] & 0xFF) << 8;
                if (!encoded[d]) {
                    pos += 256;
                    continue;
                }
                codes[d] = new int[128];
                signs[d] = new int[128];
                for (int b = 0; b < 8; b++) {
                    final byte[] le = new byte[21];
                    for (int k = 0; k < 20; k++) {
                        le[20 - k] = buf[pos + 20 * b + k]; // big-endian copy for BigInteger, leading 0
                    }
                    final BigInteger bits = new BigInteger(le);
                    for (int j = 0; j < 16; j++) {
                        signs[d][16 * b + j] = bits.testBit(j) ? 1 : 0;
                        codes[d][16 * b + j] = bits.shiftRight(16 + 9 * j).intValue() & 0x1FF;
                    }
                }
                pos += 160;
            }
            bytes = pos - off;
        }
    }

    @Test
    void shouldRoundTripRandomRowsWithinTheDerivedBound() {
        final SplittableRandom rnd = new SplittableRandom(2024);
        final Kind[] kinds = Kind.values();
        double worstRatio = 0;
        int encodedDivisions = 0;
        int rawDivisions = 0;
        for (int r = 0; r < 400; r++) {
            final int hidden = 128 * (1 + rnd.nextInt(16));
            final int divisions = hidden / 128;
            final short[] row = new short[hidden + 7];
            final boolean[] encoded = new boolean[divisions];
            for (int d = 0; d < divisions; d++) {
                final Kind kind = rnd.nextInt(3) == 0 ? kinds[rnd.nextInt(kinds.length)] : Kind.DENSE;
                fillDivision(rnd, row, 7 + 128 * d, kind);
                encoded[d] = expectEncoded(row, 7 + 128 * d);
                assertThat(LogFmt.isEncoded(row[7 + 128 * d], row[7 + 128 * d])).isFalse(); // equal magnitudes
            }
            final int dstOff = 3;
            final byte[] buf = new byte[dstOff + LogFmt.maxBytes(hidden)];
            final int written = LogFmt.encode(row, 7, hidden, buf, dstOff);
            final float[] dq = new float[hidden + 1];
            final int consumed = LogFmt.decode(buf, dstOff, hidden, dq, 1);
            final Unpacked u = new Unpacked(buf, dstOff, hidden, encoded);
            assertThat(consumed).isEqualTo(written).isEqualTo(u.bytes);
            int expectedBytes = 4 * divisions;
            for (int d = 0; d < divisions; d++) {
                expectedBytes += encoded[d] ? 160 : 256;
                int maxBits = 0;
                int minBits = 0x7FFF;
                for (int i = 0; i < 128; i++) {
                    maxBits = Math.max(maxBits, row[7 + 128 * d + i] & 0x7FFF);
                    minBits = Math.min(minBits, row[7 + 128 * d + i] & 0x7FFF);
                }
                assertEquals(maxBits, u.amaxBits[d], "amax metadata");
                assertEquals(minBits, u.aminBits[d], "amin metadata");
                assertThat(LogFmt.isEncoded((short) maxBits, (short) minBits)).isEqualTo(encoded[d]);
                if (encoded[d]) {
                    encodedDivisions++;
                    worstRatio = Math.max(worstRatio, checkEncodedDivision(row, 7 + 128 * d, dq, 1 + 128 * d,
                        u.codes[d], u.signs[d], "row " + r + " division " + d));
                } else {
                    rawDivisions++;
                    for (int i = 0; i < 128; i++) {
                        assertEquals(Float.floatToRawIntBits(Bf16.toFloat(row[7 + 128 * d + i])),
                            Float.floatToRawIntBits(dq[1 + 128 * d + i]), "raw division must be exact");
                    }
                }
            }
            assertThat(written).isEqualTo(expectedBytes).isBetween(LogFmt.encodedBytes(hidden),
                LogFmt.maxBytes(hidden));
        }
        assertThat(encodedDivisions).isGreaterThan(1000);
        assertThat(rawDivisions).isGreaterThan(100);
        // The bound is tight: some element comes close to it (above 1 only by the float rounding of the output).
        assertThat(worstRatio).isBetween(0.5, 1.0 + 1e-3);
    }

    /**
     * Checks one encoded division against the spec with an independent computation (Math.log / Math.pow), and
     * returns the largest observed relative error divided by the derived bound.
     */
    private static double checkEncodedDivision(final short[] row, final int off, final float[] dq, final int dqOff,
        final int[] codes, final int[] signs, final String where) {
        double amax = 0;
        double amin = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 128; i++) {
            final double a = Math.abs(Bf16.toFloat(row[off + i]));
            amax = Math.max(amax, a);
            amin = Math.min(amin, a);
        }
        final double la = Math.log(amax) / Math.log(2);
        final double lm = amin == 0 ? la - 32 : Math.max(Math.log(amin) / Math.log(2), la - 32);
        final double s = (la - lm) / 510;
        final double pow = Math.pow(2, s);
        final double bound = (pow - 1) / (pow + 1);
        final double lowest = Math.pow(2, lm);
        final double tol = 1e-9;
        double worst = 0;
        for (int i = 0; i < 128; i++) {
            final short bits = row[off + i];
            final double x = Bf16.toFloat(bits);
            final double a = Math.abs(x);
            final double y = dq[dqOff + i];
            final int c = codes[i];
            assertEquals((bits >>> 15) & 1, signs[i], where + " sign bit " + i);
            assertEquals(Float.floatToRawIntBits((float) x) >>> 31, Float.floatToRawIntBits((float) y) >>> 31,
                where + " decoded sign " + i);
            if (a == 0) {
                assertEquals(0, c, where + " zero must have code 0");
                assertThat(y).isZero();
                continue;
            }
            // Decoded magnitude is the level of the code.
            final double level = c == 0 ? 0 : Math.pow(2, (c - 1) * s + lm);
            assertThat(Math.abs(Math.abs(y) - level)).as(where + " level of code " + c)
                .isLessThanOrEqualTo(level * 1e-6);
            // Code choice: the thresholds are the arithmetic means of adjacent levels; below level 1 the threshold
            // is the mean of level 1 and the virtual level 1 / 2^s.
            final double lower = c == 0 ? 0 : c == 1 ? lowest * 2 / (1 + pow) : (level / pow + level) / 2;
            final double upper = c == 511 ? Double.POSITIVE_INFINITY : c == 0 ? lowest * 2 / (1 + pow)
                : (level + level * pow) / 2;
            assertThat(a).as(where + " element " + i + " x=" + x + " code " + c)
                .isGreaterThanOrEqualTo(lower * (1 - tol)).isLessThan(upper * (1 + tol));
            // Error bound.
            final double err = Math.abs(y - x);
            if (a >= lowest * (1 + tol)) {
                assertThat(err).as(where + " element " + i + " x=" + x + " y=" + y)
                    .isLessThanOrEqualTo(a * bound * (1 + 1e-6) + a * 0x1p-23);
                worst = Math.max(worst, err / a / bound);
            } else {
                assertThat(err).as(where + " small element " + i).isLessThanOrEqualTo(lowest * (1 + tol));
            }
        }
        return worst;
    }

    @Test
    void shouldPackAHandBuiltDivisionBitForBit() {
        // amax = 0.5 (La = -1) and a zero (Lm = La - 32 = -33): step = 32 / 510.
        final short[] row = new short[128];
        row[0] = bf(0.5);
        row[1] = bf(0.0);
        row[2] = bf(0x1p-33);
        row[3] = bf(-0x1p-17); // (-17 - -33) / step = 255 levels -> code 256
        row[20] = bf(-0.0);
        final byte[] buf = new byte[LogFmt.maxBytes(128)];
        assertEquals(4 + 160, LogFmt.encode(row, 0, 128, buf, 0));
        assertEquals(0x3F00, (buf[0] & 0xFF) | (buf[1] & 0xFF) << 8); // amax bf16 0.5
        assertEquals(0x0000, (buf[2] & 0xFF) | (buf[3] & 0xFF) << 8); // amin 0
        // Block 0: sign bits (element 3) then codes 511, 0, 1, 256, 0...
        BigInteger block0 = BigInteger.valueOf(1L << 3);
        final int[] codes = {511, 0, 1, 256};
        for (int j = 0; j < codes.length; j++) {
            block0 = block0.or(BigInteger.valueOf(codes[j]).shiftLeft(16 + 9 * j));
        }
        for (int k = 0; k < 20; k++) {
            assertEquals(block0.shiftRight(8 * k).intValue() & 0xFF, buf[4 + k] & 0xFF, "block 0 byte " + k);
        }
        // Block 1: only the sign of element 20 (bit 4); all codes 0.
        assertEquals(1 << 4, buf[4 + 20] & 0xFF);
        for (int k = 1; k < 20; k++) {
            assertEquals(0, buf[4 + 20 + k], "block 1 byte " + k);
        }
        final float[] dq = new float[128];
        assertEquals(164, LogFmt.decode(buf, 0, 128, dq, 0));
        assertEquals(0.5f, dq[0]);
        assertEquals(0f, dq[1]);
        assertEquals(0x1p-33f, dq[2]);
        assertEquals(-0x1p-17f, dq[3]);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(dq[20]));
    }

    @Test
    void shouldSendDivisionsRawWhenLaIsNotNegative() {
        final SplittableRandom rnd = new SplittableRandom(8);
        final short[] row = new short[256];
        for (int i = 0; i < 256; i++) {
            row[i] = bf(rnd.nextGaussian() * 0.01);
        }
        row[130] = bf(1.0); // La = 0 in division 1: raw
        final byte[] buf = new byte[LogFmt.maxBytes(256)];
        assertEquals(8 + 160 + 256, LogFmt.encode(row, 0, 256, buf, 0));
        for (int i = 0; i < 128; i++) {
            assertEquals(row[128 + i] & 0xFF, buf[8 + 160 + 2 * i] & 0xFF);
            assertEquals((row[128 + i] >>> 8) & 0xFF, buf[8 + 160 + 2 * i + 1] & 0xFF);
        }
        row[5] = (short) 0x3F7F; // 0.99609375, the largest bf16 below 1: still encoded
        assertEquals(8 + 160 + 256, LogFmt.encode(row, 0, 256, buf, 0));
        row[5] = bf(-1.5);
        assertEquals(8 + 256 + 256, LogFmt.encode(row, 0, 256, buf, 0));
    }

    @Test
    void shouldAccountBytesLikeTheReferenceTests() {
        assertEquals(7168 * 10 / 8 + 4 * 56, LogFmt.encodedBytes(7168));
        assertEquals(9184, LogFmt.encodedBytes(7168));
        assertEquals(2 * 7168 + 4 * 56, LogFmt.maxBytes(7168));
        assertEquals(164, LogFmt.encodedBytes(128));
        assertThatThrownBy(() -> LogFmt.encodedBytes(100)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("H=100");
        assertThatThrownBy(() -> LogFmt.encode(new short[128], 0, 128, new byte[200], 0))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> LogFmt.decode(new byte[4], 0, 128, new float[128], 0))
            .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void shouldComputeExactLog2ForPowersOfTwo() {
        for (int e = -1022; e <= 1023; e++) {
            assertEquals(e, LogFmt.log2(Math.scalb(1.0, e)), 0.0);
        }
        final SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            final double v = Math.pow(2, rnd.nextDouble(-140, 130));
            assertEquals(Math.log(v) / Math.log(2), LogFmt.log2(v), 1e-12 * Math.max(1, Math.abs(Math.log(v))));
        }
    }
}
