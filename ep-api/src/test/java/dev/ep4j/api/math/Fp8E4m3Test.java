package dev.ep4j.api.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Fp8E4m3Test {

    /** Magnitudes of codes 0x00..0x7F, written out (0x7F is NaN). */
    private static final double[] MAGNITUDES = {
        0.0, 0.001953125, 0.00390625, 0.005859375, 0.0078125, 0.009765625, 0.01171875, 0.013671875,
        0.015625, 0.017578125, 0.01953125, 0.021484375, 0.0234375, 0.025390625, 0.02734375, 0.029296875,
        0.03125, 0.03515625, 0.0390625, 0.04296875, 0.046875, 0.05078125, 0.0546875, 0.05859375,
        0.0625, 0.0703125, 0.078125, 0.0859375, 0.09375, 0.1015625, 0.109375, 0.1171875,
        0.125, 0.140625, 0.15625, 0.171875, 0.1875, 0.203125, 0.21875, 0.234375,
        0.25, 0.28125, 0.3125, 0.34375, 0.375, 0.40625, 0.4375, 0.46875,
        0.5, 0.5625, 0.625, 0.6875, 0.75, 0.8125, 0.875, 0.9375,
        1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875,
        2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75,
        4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5,
        8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
        16.0, 18.0, 20.0, 22.0, 24.0, 26.0, 28.0, 30.0,
        32.0, 36.0, 40.0, 44.0, 48.0, 52.0, 56.0, 60.0,
        64.0, 72.0, 80.0, 88.0, 96.0, 104.0, 112.0, 120.0,
        128.0, 144.0, 160.0, 176.0, 192.0, 208.0, 224.0, 240.0,
        256.0, 288.0, 320.0, 352.0, 384.0, 416.0, 448.0, Double.NaN,
    };

    @Test
    void shouldDecodeAll256CodesToTheGoldenTable() {
        assertThat(MAGNITUDES).hasSize(128);
        for (int c = 0; c < 256; c++) {
            final float got = Fp8E4m3.decode((byte) c);
            final double mag = MAGNITUDES[c & 0x7F];
            if (Double.isNaN(mag)) {
                assertThat(got).as("code %02X", c).isNaN();
                continue;
            }
            final double want = (c & 0x80) != 0 ? -mag : mag;
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), "code " + c);
            assertEquals(RefMath.fp8ToDouble(c), (double) got, "formula, code " + c);
            // Every finite code encodes back to itself (including -0 -> 0x80).
            assertEquals(c, Fp8E4m3.encode(got) & 0xFF, "re-encode of code " + c);
        }
    }

    @Test
    void shouldSaturateAndHandleSpecials() {
        final float[] inputs = {448f, 449f, 464f, 480f, 1e10f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};
        for (final float v : inputs) {
            assertEquals(0x7E, Fp8E4m3.encode(v) & 0xFF, "input " + v);
            assertEquals(0xFE, Fp8E4m3.encode(-v) & 0xFF, "input " + -v);
        }
        assertEquals(0x7F, Fp8E4m3.encode(Float.NaN) & 0xFF);
        assertEquals(0x7F, Fp8E4m3.encode(Float.intBitsToFloat(0xFFC00000)) & 0xFF);
        assertEquals(0x7F, Fp8E4m3.encode(Float.intBitsToFloat(0x7F800001)) & 0xFF);
        assertEquals(0x00, Fp8E4m3.encode(0f) & 0xFF);
        assertEquals(0x80, Fp8E4m3.encode(-0f) & 0xFF);
        assertEquals(0x00, Fp8E4m3.encode(Float.MIN_VALUE) & 0xFF);
        assertEquals(0x80, Fp8E4m3.encode(-Float.MIN_VALUE) & 0xFF);
        assertEquals(0x7D, Fp8E4m3.encode(416f) & 0xFF);
        assertEquals(0x7D, Fp8E4m3.encode(431.99997f) & 0xFF);
        assertEquals(0x7E, Fp8E4m3.encode(432f) & 0xFF); // tie between 416 (odd) and 448 (even)
        assertEquals(0x7C, Fp8E4m3.encode(400f) & 0xFF); // tie between 384 (even) and 416 (odd)
        // Subnormal range: multiples of 2^-9.
        assertEquals(0x01, Fp8E4m3.encode(0x1p-9f) & 0xFF);
        assertEquals(0x00, Fp8E4m3.encode(0x1p-10f) & 0xFF); // tie 0 / 2^-9 -> 0
        assertEquals(0x80, Fp8E4m3.encode(-0x1p-10f) & 0xFF);
        assertEquals(0x01, Fp8E4m3.encode(Math.nextUp(0x1p-10f)) & 0xFF);
        assertEquals(0x02, Fp8E4m3.encode(3 * 0x1p-10f) & 0xFF); // tie 1 / 2 -> 2
        assertEquals(0x02, Fp8E4m3.encode(5 * 0x1p-10f) & 0xFF); // tie 2 / 3 -> 2
        assertEquals(0x04, Fp8E4m3.encode(7 * 0x1p-10f) & 0xFF); // tie 3 / 4 -> 4
        assertEquals(0x08, Fp8E4m3.encode(15 * 0x1p-10f) & 0xFF); // tie 7 / 8 (= 2^-6) -> 8
        assertEquals(0x07, Fp8E4m3.encode(Math.nextDown(15 * 0x1p-10f)) & 0xFF);
        assertEquals(0x08, Fp8E4m3.encode(0x1p-6f * 1.0625f) & 0xFF); // tie 0x08 / 0x09 -> 0x08
        assertEquals(0x0A, Fp8E4m3.encode(0x1p-6f * 1.1875f) & 0xFF); // tie 0x09 / 0x0A -> 0x0A
        assertEquals(0x00, Fp8E4m3.encode(0x1p-11f) & 0xFF);
    }

    @Test
    void shouldRoundEveryMidpointBetweenAdjacentCodesToEven() {
        for (int c = 0; c < 0x7E; c++) {
            final double lo = MAGNITUDES[c];
            final double hi = MAGNITUDES[c + 1];
            final float mid = (float) ((lo + hi) / 2); // exact: a dyadic value with few bits
            assertEquals((lo + hi) / 2, (double) mid);
            final int even = (c & 1) == 0 ? c : c + 1;
            assertEquals(even, Fp8E4m3.encode(mid) & 0xFF, "midpoint after code " + c);
            assertEquals(0x80 | even, Fp8E4m3.encode(-mid) & 0xFF, "negative midpoint after code " + c);
            assertEquals(c, Fp8E4m3.encode(Math.nextDown(mid)) & 0xFF, "below midpoint after code " + c);
            assertEquals(c + 1, Fp8E4m3.encode(Math.nextUp(mid)) & 0xFF, "above midpoint after code " + c);
        }
    }

    /** Brute force: the nearest of the 127 finite magnitudes with the sign of x; ties to the even code. */
    private static int bruteForce(final float x) {
        if (Float.isNaN(x)) {
            return 0x7F;
        }
        final int sign = (Float.floatToRawIntBits(x) & 0x80000000) != 0 ? 0x80 : 0;
        final double a = Math.abs((double) x);
        if (Double.isInfinite(a)) {
            return sign | 0x7E;
        }
        int best = 0;
        double bestDist = Double.POSITIVE_INFINITY;
        for (int c = 0; c < 0x7F; c++) {
            final double d = Math.abs(a - MAGNITUDES[c]);
            if (d < bestDist || (d == bestDist && (c & 1) == 0)) {
                best = c;
                bestDist = d;
            }
        }
        return sign | best;
    }

    @Test
    void shouldEncodeToTheNearestCodeForRandomFloats() {
        final SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 300_000; i++) {
            final float x;
            switch (i % 4) {
                case 0:
                    x = Float.intBitsToFloat(rnd.nextInt());
                    break;
                case 1:
                    x = (float) rnd.nextDouble(-520, 520);
                    break;
                case 2:
                    x = (float) ((rnd.nextBoolean() ? -1 : 1) * Math.pow(2, rnd.nextDouble(-14, 10)));
                    break;
                default:
                    // Near a random code: a few float ulps off a midpoint or a value.
                    final int c = rnd.nextInt(0x7E);
                    final double base = rnd.nextBoolean() ? MAGNITUDES[c] : (MAGNITUDES[c] + MAGNITUDES[c + 1]) / 2;
                    x = Float.intBitsToFloat(Float.floatToRawIntBits((float) base) + rnd.nextInt(-3, 4));
                    break;
            }
            assertEquals(bruteForce(x), Fp8E4m3.encode(x) & 0xFF, "x=" + x + " bits "
                + Integer.toHexString(Float.floatToRawIntBits(x)));
        }
    }

    @Test
    void shouldMatchReferenceOnStridedSweepOfAllFloats() {
        long checked = 0;
        for (long i = 0; i <= 0xFFFFFFFFL; i += 13) {
            final float f = Float.intBitsToFloat((int) i);
            final byte got = Fp8E4m3.encode(f);
            final byte want = RefMath.floatToFp8(f);
            if (got != want) {
                assertEquals(want & 0xFF, got & 0xFF, "float bits " + Long.toHexString(i));
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(330_000_000L);
    }
}
