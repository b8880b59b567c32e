package dev.ep4j.api.math;

/**
 * Slow, independent reference implementations for the tests: written in double precision with explicit
 * {@link Math#rint} rounding instead of the production bit tricks, so that a shared mistake is unlikely.
 */
final class RefMath {

    private RefMath() {
    }

    /** bf16 bits to float by the textbook formula. */
    static float bf16ToFloat(final short bits) {
        final int b = bits & 0xFFFF;
        final double sign = (b & 0x8000) != 0 ? -1.0 : 1.0;
        final int exp = (b >>> 7) & 0xFF;
        final int man = b & 0x7F;
        if (exp == 0xFF) {
            return man == 0 ? (float) (sign * Double.POSITIVE_INFINITY) : Float.NaN;
        }
        if (exp == 0) {
            return (float) (sign * Math.scalb((double) man, -133));
        }
        return (float) (sign * Math.scalb((double) (128 + man), exp - 134));
    }

    /** float to bf16, nearest-even via rint on the integer significand in double. */
    static short floatToBf16(final float f) {
        final boolean neg = (Float.floatToRawIntBits(f) & 0x80000000) != 0;
        final int sign = neg ? 0x8000 : 0;
        if (Float.isNaN(f)) {
            return (short) 0x7FFF;
        }
        final double a = Math.abs((double) f);
        if (Double.isInfinite(a)) {
            return (short) (sign | 0x7F80);
        }
        if (a == 0) {
            return (short) sign;
        }
        final int e = Math.max(Math.getExponent(a), -126);
        final double quantum = Math.scalb(1.0, e - 7);
        final double r = Math.rint(a / quantum) * quantum;
        if (r >= 0x1p128) {
            return (short) (sign | 0x7F80);
        }
        // r is a bf16 value: find exponent and mantissa arithmetically.
        if (r < 0x1p-126) {
            return (short) (sign | (int) (r / 0x1p-133));
        }
        final int re = Math.getExponent(r);
        final int man = (int) (r / Math.scalb(1.0, re - 7)) - 128;
        return (short) (sign | (re + 127) << 7 | man);
    }

    /** e4m3 decode by formula. */
    static double fp8ToDouble(final int code) {
        final int c = code & 0xFF;
        final double sign = (c & 0x80) != 0 ? -1.0 : 1.0;
        final int exp = (c >>> 3) & 0xF;
        final int man = c & 7;
        if (exp == 15 && man == 7) {
            return Double.NaN;
        }
        return exp == 0 ? sign * man / 512.0 : sign * (1 + man / 8.0) * Math.pow(2, exp - 7);
    }

    /** float to e4m3, nearest-even via rint, satfinite, NaN to 0x7F. */
    static byte floatToFp8(final float f) {
        if (Float.isNaN(f)) {
            return 0x7F;
        }
        final int sign = (Float.floatToRawIntBits(f) & 0x80000000) != 0 ? 0x80 : 0;
        final double a = Math.abs((double) f);
        if (a >= 448.0) {
            return (byte) (sign | 0x7E);
        }
        final int e = a == 0 ? -6 : Math.max(Math.getExponent(a), -6);
        final double quantum = Math.scalb(1.0, e - 3);
        final double r = Math.rint(a / quantum) * quantum;
        if (r < 0x1p-6) {
            return (byte) (sign | (int) (r * 512));
        }
        final int re = Math.getExponent(r);
        final int man = (int) (r / Math.scalb(1.0, re - 3)) - 8;
        return (byte) (sign | (re + 7) << 3 | man);
    }

    /**
     * Reference quantization of one group of 128 in double with explicit float rounding. Returns the stored
     * inverse scale; writes codes.
     */
    static float quantizeGroup(final short[] x, final int off, final boolean roundScale, final byte[] out,
        final int outOff) {
        double amax = 0;
        for (int i = 0; i < 128; i++) {
            final double v = bf16ToFloat(x[off + i]);
            if (!Double.isNaN(v)) {
                amax = Math.max(amax, Math.abs(v));
            }
        }
        amax = Math.max(amax, (double) 1e-4f);
        final float mult;
        final float inv;
        if (roundScale) {
            final float q = (float) (amax / 448.0);
            int e;
            if (Float.isInfinite(q)) {
                e = 128;
            } else {
                e = Math.getExponent((double) q);
                if ((double) q != Math.scalb(1.0, e)) {
                    e++;
                }
            }
            inv = (float) Math.scalb(1.0, e);
            mult = e == 128 ? 0f : (float) Math.scalb(1.0, -e);
        } else {
            mult = (float) (448.0 / amax);
            inv = (float) (amax / 448.0);
        }
        for (int i = 0; i < 128; i++) {
            final double v = bf16ToFloat(x[off + i]);
            out[outOff + i] = floatToFp8((float) (v * mult));
        }
        return inv;
    }
}
