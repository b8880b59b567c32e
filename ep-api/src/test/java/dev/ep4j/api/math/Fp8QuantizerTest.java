package dev.ep4j.api.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Fp8QuantizerTest {

    private static final int ROWS = 1000;

    /** Kinds of random rows. */
    private enum Kind { NORMAL, ZERO, TINY, HUGE, WIDE, SPARSE, SPECIAL }

    /** A random row of bf16 bits; NaN/Inf appear only in SPECIAL rows. */
    private static short[] randomRow(final SplittableRandom rnd, final int hidden, final Kind kind) {
        final short[] row = new short[hidden];
        final double scale = Math.pow(10, rnd.nextDouble(-6, 6));
        for (int i = 0; i < hidden; i++) {
            final float v;
            switch (kind) {
                case ZERO:
                    v = rnd.nextBoolean() ? 0f : -0f;
                    break;
                case TINY: // bf16 subnormals and values far below the 1e-4 amax floor
                    row[i] = (short) (rnd.nextInt(0x0400) | (rnd.nextBoolean() ? 0x8000 : 0));
                    continue;
                case HUGE:
                    v = (float) (rnd.nextGaussian() * 1e37);
                    break;
                case WIDE: // any finite bf16
                    int bits;
                    do {
                        bits = rnd.nextInt(0x10000);
                    } while ((bits & 0x7F80) == 0x7F80);
                    row[i] = (short) bits;
                    continue;
                case SPARSE:
                    v = rnd.nextInt(8) == 0 ? (float) (rnd.nextGaussian() * scale) : 0f;
                    break;
                case SPECIAL:
                    final int r = rnd.nextInt(64);
                    v = r == 0 ? Float.NaN : r == 1 ? Float.POSITIVE_INFINITY : r == 2 ? Float.NEGATIVE_INFINITY
                        : (float) (rnd.nextGaussian() * scale);
                    break;
                default:
                    v = (float) (rnd.nextGaussian() * scale);
                    break;
            }
            row[i] = Bf16.fromFloat(v);
        }
        return row;
    }

    private static Kind randomKind(final SplittableRandom rnd, final int r) {
        final Kind[] kinds = Kind.values();
        return r < kinds.length ? kinds[r] : rnd.nextInt(3) == 0 ? kinds[rnd.nextInt(kinds.length)] : Kind.NORMAL;
    }

    @Test
    void shouldAgreeBitForBitWithTheReferenceOnRandomRows() {
        final SplittableRandom rnd = new SplittableRandom(7);
        for (int r = 0; r < ROWS; r++) {
            final Kind kind = randomKind(rnd, r);
            final int hidden = 512 * (1 + rnd.nextInt(6)) + (rnd.nextBoolean() ? 0 : 128 * rnd.nextInt(4));
            final short[] row = randomRow(rnd, hidden, kind);
            final int groups = hidden / 128;
            for (final boolean roundScale : new boolean[] {false, true}) {
                final byte[] codes = new byte[hidden + 5];
                final float[] scales = new float[groups + 2];
                Fp8Quantizer.quantizeRow(row, 0, hidden, roundScale, codes, 5, scales, 2);
                final byte[] refCodes = new byte[hidden];
                for (int g = 0; g < groups; g++) {
                    final float refScale = RefMath.quantizeGroup(row, 128 * g, roundScale, refCodes, 128 * g);
                    assertEquals(Float.floatToRawIntBits(refScale), Float.floatToRawIntBits(scales[2 + g]),
                        "row " + r + " " + kind + " group " + g + " roundScale " + roundScale);
                }
                for (int i = 0; i < hidden; i++) {
                    assertEquals(refCodes[i], codes[5 + i], "row " + r + " " + kind + " element " + i
                        + " roundScale " + roundScale);
                }
                if (roundScale && hidden % 512 == 0) {
                    final byte[] ueCodes = new byte[hidden];
                    final int[] packed = new int[hidden / 512];
                    Fp8Quantizer.quantizeRowUe8m0(row, 0, hidden, ueCodes, 0, packed, 0);
                    for (int i = 0; i < hidden; i++) {
                        assertEquals(refCodes[i], ueCodes[i], "UE8M0 row " + r + " element " + i);
                    }
                    for (int g = 0; g < groups; g++) {
                        final int b = (packed[g / 4] >>> (8 * (g % 4))) & 0xFF;
                        // the reference scale is 2^e; its byte is e + 127, computed here from the double exponent
                        final float s = scales[2 + g];
                        final int want = Float.isInfinite(s) ? 255 : Math.getExponent(s) + 127;
                        assertEquals(want, b, "UE8M0 byte, row " + r + " group " + g);
                    }
                }
            }
        }
    }

    @Test
    void shouldStayWithinTheFp8ErrorBound() {
        final SplittableRandom rnd = new SplittableRandom(11);
        final double rel = 0x1p-4;
        for (int r = 0; r < ROWS; r++) {
            Kind kind = randomKind(rnd, r);
            if (kind == Kind.SPECIAL) {
                kind = Kind.NORMAL;
            }
            final int hidden = 128 * (1 + rnd.nextInt(24));
            final short[] row = randomRow(rnd, hidden, kind);
            for (int i = 0; i < hidden; i++) {
                // Keep |x| < 2^127 so that dequantization cannot overflow float (see shouldOverflowOnlyAtTheTop).
                if ((row[i] & 0x7F80) == 0x7F00) {
                    row[i] -= 0x0080; // exponent 254 -> 253
                }
            }
            for (final boolean roundScale : new boolean[] {false, true}) {
                final byte[] codes = new byte[hidden];
                final float[] scales = new float[hidden / 128];
                Fp8Quantizer.quantizeRow(row, 0, hidden, roundScale, codes, 0, scales, 0);
                final float[] dq = new float[hidden];
                Fp8Quantizer.dequantizeRow(codes, 0, hidden, scales, 0, dq, 0);
                for (int g = 0; g < hidden / 128; g++) {
                    double amax = 1e-4f;
                    for (int i = 128 * g; i < 128 * g + 128; i++) {
                        amax = Math.max(amax, Math.abs(Bf16.toFloat(row[i])));
                    }
                    final double inv = scales[g];
                    if (roundScale) {
                        assertThat(Float.floatToRawIntBits(scales[g]) & 0x7FFFFF).as("power of two").isZero();
                        assertThat(amax / inv).as("scaled amax, row %d group %d", r, g).isLessThanOrEqualTo(448.0)
                            .isGreaterThan(224.0);
                    } else {
                        assertThat(Math.abs(inv - amax / 448) / (amax / 448)).isLessThanOrEqualTo(0x1p-24);
                    }
                    for (int i = 128 * g; i < 128 * g + 128; i++) {
                        final double x = Bf16.toFloat(row[i]);
                        final double err = Math.abs(x - dq[i]);
                        assertThat(err).as("row %d %s element %d x=%s dq=%s", r, kind, i, x, dq[i])
                            .isLessThanOrEqualTo(amax * (rel + 0x1p-20))
                            .isLessThanOrEqualTo(Math.abs(x) * (rel + 0x1p-20) + inv * 0x1p-10);
                        assertThat(Math.copySign(1.0, dq[i])).isEqualTo(Math.copySign(1.0, x));
                    }
                }
            }
        }
    }

    @Test
    void shouldOverflowOnlyAtTheTopOfTheFloatRange() {
        // The largest bf16, 0x7F7F = 255 * 2^120, gets e = 120 with round_scale; 255 rounds to the FP8 value 256,
        // so the dequantized value 2^128 is +Inf. Documented behaviour, not an error of the quantizer.
        final short[] row = new short[128];
        row[0] = (short) 0x7F7F;
        final byte[] codes = new byte[128];
        final float[] scales = new float[1];
        Fp8Quantizer.quantizeRow(row, 0, 128, true, codes, 0, scales, 0);
        assertEquals(0x1p120f, scales[0]);
        assertEquals(256f, Fp8E4m3.decode(codes[0]));
        final float[] dq = new float[128];
        Fp8Quantizer.dequantizeRow(codes, 0, 128, scales, 0, dq, 0);
        assertEquals(Float.POSITIVE_INFINITY, dq[0]);
        // Plain scales keep it finite: 448 * (amax / 448f) is within a float ulp of amax.
        Fp8Quantizer.quantizeRow(row, 0, 128, false, codes, 0, scales, 0);
        Fp8Quantizer.dequantizeRow(codes, 0, 128, scales, 0, dq, 0);
        assertThat(Math.abs(dq[0] - (double) Bf16.toFloat(row[0]))).isLessThanOrEqualTo(Math.ulp(dq[0]));
    }

    @Test
    void shouldDefineNonFiniteInputs() {
        final short[] row = new short[128];
        row[0] = Bf16.fromFloat(Float.NaN);
        row[1] = Bf16.fromFloat(2f);
        row[2] = Bf16.fromFloat(-1f);
        final byte[] codes = new byte[128];
        final float[] scales = new float[1];
        Fp8Quantizer.quantizeRow(row, 0, 128, false, codes, 0, scales, 0);
        assertEquals(2f / 448f, scales[0]); // NaN ignored by the amax
        assertEquals(0x7F, codes[0] & 0xFF);
        assertEquals(0x7E, codes[1] & 0xFF);
        row[3] = Bf16.fromFloat(Float.NEGATIVE_INFINITY);
        for (final boolean roundScale : new boolean[] {false, true}) {
            Fp8Quantizer.quantizeRow(row, 0, 128, roundScale, codes, 0, scales, 0);
            assertEquals(Float.POSITIVE_INFINITY, scales[0]);
            assertEquals(0x7F, codes[0] & 0xFF); // NaN * 0
            assertEquals(0x00, codes[1] & 0xFF); // 2 * 0
            assertEquals(0x80, codes[2] & 0xFF); // -1 * 0
            assertEquals(0x7F, codes[3] & 0xFF); // -Inf * 0 = NaN
        }
        final int[] packed = new int[1];
        Fp8Quantizer.quantizeRowUe8m0(new short[512], 0, 512, new byte[512], 0, packed, 0);
        assertEquals(0x69696969, packed[0]); // e = -22 -> 105 = 0x69 in every byte
        final short[] inf = new short[512];
        inf[130] = Bf16.fromFloat(Float.POSITIVE_INFINITY);
        Fp8Quantizer.quantizeRowUe8m0(inf, 0, 512, new byte[512], 0, packed, 0);
        assertEquals(0x6969FF69, packed[0]);
    }

    @Test
    void shouldFloorAmaxOfZeroRows() {
        final short[] row = new short[256];
        row[3] = Bf16.fromFloat(-0f);
        row[200] = Bf16.fromFloat(1e-6f); // below the floor: scaled by 448 / 1e-4
        final byte[] codes = new byte[256];
        final float[] scales = new float[2];
        Fp8Quantizer.quantizeRow(row, 0, 256, false, codes, 0, scales, 0);
        assertEquals(1e-4f / 448f, scales[0]);
        assertEquals(1e-4f / 448f, scales[1]);
        assertEquals(0x80, codes[3] & 0xFF);
        assertEquals(Fp8E4m3.encode(Bf16.toFloat(row[200]) * (448f / 1e-4f)), codes[200]);
        Fp8Quantizer.quantizeRow(row, 0, 256, true, codes, 0, scales, 0);
        assertEquals(0x1p-22f, scales[0]); // ceil(log2(1e-4 / 448)) = -22
    }

    @Test
    void shouldComputeCeilLog2FromBits() {
        final SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            final int bits = i < 100_000 ? 1 + rnd.nextInt(0x7F7FFFFF) : 1 + rnd.nextInt(0x00800000);
            final float v = Float.intBitsToFloat(bits);
            final int e = Fp8Quantizer.ceilLog2(v);
            assertThat(Math.scalb(1.0, e)).as("v=%s", v).isGreaterThanOrEqualTo(v);
            assertThat(Math.scalb(1.0, e - 1)).as("v=%s", v).isLessThan(v);
        }
        for (int e = -149; e <= 127; e++) {
            final float p = Math.scalb(1f, e);
            assertEquals(e, Fp8Quantizer.ceilLog2(p));
            if (e < 127) {
                assertEquals(e + 1, Fp8Quantizer.ceilLog2(Math.nextUp(p)));
            }
            if (e > -148) {
                assertEquals(e, Fp8Quantizer.ceilLog2(Math.nextDown(p)));
            }
        }
        assertEquals(128, Fp8Quantizer.ceilLog2(Float.POSITIVE_INFINITY));
        assertEquals(128, Fp8Quantizer.ceilLog2(Float.MAX_VALUE));
        for (final float bad : new float[] {0f, -0f, -1f, Float.NaN}) {
            assertThatThrownBy(() -> Fp8Quantizer.ceilLog2(bad)).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void shouldRoundTripUe8m0PackingForEveryByteAndPosition() {
        final SplittableRandom rnd = new SplittableRandom(5);
        for (int b = 0; b < 256; b++) {
            for (int pos = 0; pos < 4; pos++) {
                final byte[] four = new byte[4];
                for (int j = 0; j < 4; j++) {
                    four[j] = (byte) rnd.nextInt(256);
                }
                four[pos] = (byte) b;
                final int packed = Ue8m0.pack(four[0], four[1], four[2], four[3]);
                assertEquals(b, packed >>> (8 * pos) & 0xFF, "little-endian position " + pos);
                for (int j = 0; j < 4; j++) {
                    assertEquals(four[j], Ue8m0.unpack(packed, j));
                }
                final int[] arr = new int[3];
                Ue8m0.pack(four, 0, 4, arr, 1);
                assertEquals(packed, arr[1]);
                final byte[] back = new byte[6];
                Ue8m0.unpack(arr, 1, 1, back, 2);
                for (int j = 0; j < 4; j++) {
                    assertEquals(four[j], back[2 + j]);
                }
            }
            final float s = Ue8m0.toFloat((byte) b);
            if (b == 0) {
                assertEquals(0f, s);
            } else if (b == 255) {
                assertEquals(Float.POSITIVE_INFINITY, s);
            } else {
                assertEquals(Math.scalb(1.0, b - 127), (double) s);
                assertEquals(b, Ue8m0.fromExponent(b - 127) & 0xFF);
            }
        }
        assertEquals(0x04030201, Ue8m0.pack((byte) 1, (byte) 2, (byte) 3, (byte) 4));
        assertThatThrownBy(() -> Ue8m0.unpack(0, 4)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Ue8m0.fromExponent(129)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Ue8m0.pack(new byte[6], 0, 6, new int[2], 0))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("count=6");
    }

    @Test
    void shouldQuantizeTensorsLikeTheRowApi() {
        final SplittableRandom rnd = new SplittableRandom(9);
        final int tokens = 5;
        final int hidden = 1024;
        final HostTensor x = HostTensor.zeros(DType.BF16, 1, tokens, hidden);
        final short[][] rows = new short[tokens][];
        for (int t = 0; t < tokens; t++) {
            rows[t] = randomRow(rnd, hidden, Kind.NORMAL);
            for (int i = 0; i < hidden; i++) {
                x.setShort((long) t * hidden + i, rows[t][i]);
            }
        }
        for (final boolean ue8m0 : new boolean[] {false, true}) {
            for (final boolean roundScale : new boolean[] {false, true}) {
                if (ue8m0 && !roundScale) {
                    continue;
                }
                final Fp8Tensor q = Fp8Quantizer.quantize(x, roundScale, ue8m0);
                assertThat(q.ue8m0()).isEqualTo(ue8m0);
                assertThat(q.data().shape()).containsExactly(1, tokens, hidden);
                assertThat(q.scales().shape()).containsExactly(1, tokens, ue8m0 ? hidden / 512 : hidden / 128);
                assertThat(q.scales().dtype()).isEqualTo(ue8m0 ? DType.INT32 : DType.FLOAT32);
                final HostTensor dq = Fp8Quantizer.dequantize(q);
                assertThat(dq.dtype()).isEqualTo(DType.FLOAT32);
                assertThat(dq.shape()).containsExactly(1, tokens, hidden);
                final HostTensor floatScales = ue8m0 ? Ue8m0.unpackScales(q.scales()) : q.scales();
                assertThat(floatScales.shape()).containsExactly(1, tokens, hidden / 128);
                for (int t = 0; t < tokens; t++) {
                    final byte[] codes = new byte[hidden];
                    final float[] scales = new float[hidden / 128];
                    Fp8Quantizer.quantizeRow(rows[t], 0, hidden, roundScale, codes, 0, scales, 0);
                    for (int i = 0; i < hidden; i++) {
                        final long idx = (long) t * hidden + i;
                        assertEquals(codes[i], q.data().getByte(idx));
                        final float want = Fp8E4m3.decode(codes[i]) * scales[i / 128];
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(dq.getFloat(idx)));
                    }
                    for (int g = 0; g < hidden / 128; g++) {
                        assertEquals(scales[g], floatScales.getFloat((long) t * (hidden / 128) + g));
                    }
                }
            }
        }
    }

    @Test
    void shouldRejectBadShapesAndOptions() {
        final HostTensor h100 = HostTensor.zeros(DType.BF16, 2, 100);
        assertThatThrownBy(() -> Fp8Quantizer.quantize(h100, false, false)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("H=100");
        final HostTensor h640 = HostTensor.zeros(DType.BF16, 2, 640);
        assertThatThrownBy(() -> Fp8Quantizer.quantize(h640, true, true)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("H=640").hasMessageContaining("512");
        final HostTensor ok = HostTensor.zeros(DType.BF16, 2, 512);
        assertThatThrownBy(() -> Fp8Quantizer.quantize(ok, false, true)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("roundScale");
        assertThatThrownBy(() -> Fp8Quantizer.quantize(HostTensor.zeros(DType.FLOAT32, 2, 512), false, false))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("BF16");
        assertThatThrownBy(() -> Fp8Quantizer.quantize(HostTensor.zeros(DType.BF16), false, false))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("rank");
        assertThatThrownBy(() -> Fp8Quantizer.quantizeRow(new short[256], 0, 0, false, new byte[256], 0,
            new float[2], 0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("H=0");
        assertThatThrownBy(() -> Fp8Quantizer.quantizeRow(new short[256], 0, 256, false, new byte[256], 0,
            new float[1], 0)).isInstanceOf(IndexOutOfBoundsException.class);
        final HostTensor codes = HostTensor.zeros(DType.FP8_E4M3, 2, 512);
        assertThatThrownBy(() -> new Fp8Tensor(codes, HostTensor.zeros(DType.FLOAT32, 2, 3), false))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("[2, 4]");
        assertThatThrownBy(() -> new Fp8Tensor(codes, HostTensor.zeros(DType.FLOAT32, 2, 1), true))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("INT32");
        assertThatThrownBy(() -> new Fp8Tensor(HostTensor.zeros(DType.UINT8, 2, 512),
            HostTensor.zeros(DType.FLOAT32, 2, 4), false)).isInstanceOf(InvalidInputException.class);
        // An empty batch is fine.
        final Fp8Tensor empty = Fp8Quantizer.quantize(HostTensor.zeros(DType.BF16, 0, 512), true, true);
        assertThat(empty.scales().shape()).containsExactly(0, 1);
    }
}
