package dev.ep4j.sim.event;

/**
 * Exact integer arithmetic with a 128-bit intermediate: {@code floor((a*b + c) / d)} and {@code ceil(…)} for
 * non-negative operands, without allocation and without floating point. The simulator's time and byte arithmetic
 * goes through these helpers so that no rounding drift can accumulate over millions of events.
 *
 * <p>The common case (the product fits in 63 bits) costs one multiply, one {@code multiplyHigh} and one divide;
 * otherwise a 128-by-64-bit long division (two 32-bit quotient digits, normalised divisor) runs.
 *
 * <p>Thread safety: stateless; safe from any thread.
 */
public final class ExactMath {
    private static final long LOW32 = 0xFFFF_FFFFL;
    private static final long BASE32 = 1L << 32;

    private ExactMath() {
    }

    /**
     * Floor of {@code a * b / d}, exact.
     *
     * @param a first factor, {@code >= 0}.
     * @param b second factor, {@code >= 0}.
     * @param d divisor, {@code > 0}.
     * @return {@code floor(a * b / d)}.
     * @throws ArithmeticException if the quotient does not fit in a {@code long}.
     */
    public static long mulDivFloor(final long a, final long b, final long d) {
        return mulAddDivFloor(a, b, 0L, d);
    }

    /**
     * Ceiling of {@code a * b / d}, exact.
     *
     * @param a first factor, {@code >= 0}.
     * @param b second factor, {@code >= 0}.
     * @param d divisor, {@code > 0}.
     * @return {@code ceil(a * b / d)}.
     * @throws ArithmeticException if the quotient does not fit in a {@code long}.
     */
    public static long mulDivCeil(final long a, final long b, final long d) {
        return mulAddDivCeil(a, b, 0L, d);
    }

    /**
     * Floor of {@code (a * b + c) / d}, exact. The remainder, when needed, is {@code a*b + c - q*d} evaluated in
     * wrapping {@code long} arithmetic (its true value is below {@code d}, so the low 64 bits are exact).
     *
     * @param a first factor, {@code >= 0}.
     * @param b second factor, {@code >= 0}.
     * @param c addend, {@code >= 0}.
     * @param d divisor, {@code > 0}.
     * @return {@code floor((a * b + c) / d)}.
     * @throws ArithmeticException if the quotient does not fit in a {@code long}.
     */
    public static long mulAddDivFloor(final long a, final long b, final long c, final long d) {
        final long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        final long sum = lo + c;
        if (Long.compareUnsigned(sum, lo) < 0) {
            hi++;
        }
        if (hi == 0L && sum >= 0L) {
            return sum / d;
        }
        return divide128(hi, sum, d);
    }

    /**
     * Ceiling of {@code (a * b + c) / d}, exact.
     *
     * @param a first factor, {@code >= 0}.
     * @param b second factor, {@code >= 0}.
     * @param c addend, {@code >= 0}.
     * @param d divisor, {@code > 0}.
     * @return {@code ceil((a * b + c) / d)}.
     * @throws ArithmeticException if the quotient does not fit in a {@code long}.
     */
    public static long mulAddDivCeil(final long a, final long b, final long c, final long d) {
        final long q = mulAddDivFloor(a, b, c, d);
        final long rem = a * b + c - q * d;
        if (rem == 0L) {
            return q;
        }
        if (q == Long.MAX_VALUE) {
            throw new ArithmeticException("ceil((" + a + "*" + b + "+" + c + ")/" + d + ") overflows a long");
        }
        return q + 1L;
    }

    /**
     * Compares the fractions {@code n1/d1} and {@code n2/d2} exactly.
     *
     * @param n1 first numerator, {@code >= 0}.
     * @param d1 first denominator, {@code > 0}.
     * @param n2 second numerator, {@code >= 0}.
     * @param d2 second denominator, {@code > 0}.
     * @return negative, zero or positive as {@code n1/d1} is less than, equal to or greater than {@code n2/d2}.
     */
    public static int compareFractions(final long n1, final long d1, final long n2, final long d2) {
        final long h1 = Math.multiplyHigh(n1, d2);
        final long h2 = Math.multiplyHigh(n2, d1);
        if (h1 != h2) {
            return h1 < h2 ? -1 : 1;
        }
        return Long.compareUnsigned(n1 * d2, n2 * d1);
    }

    /** Unsigned (hi:lo) / d with d > 0 and a quotient that must fit in 63 bits. */
    private static long divide128(final long hi, final long lo, final long d) {
        if (Long.compareUnsigned(hi, d) >= 0) {
            throw overflow(hi, lo, d);
        }
        final long q = hi == 0L ? Long.divideUnsigned(lo, d) : divlu(hi, lo, d);
        if (q < 0L) {
            throw overflow(hi, lo, d);
        }
        return q;
    }

    private static ArithmeticException overflow(final long hi, final long lo, final long d) {
        return new ArithmeticException("128-bit quotient does not fit in a long: hi=" + hi + " lo="
            + Long.toUnsignedString(lo) + " divisor=" + d);
    }

    /**
     * Unsigned 128-by-64 division (u1:u0) / v for u1 &lt; v (unsigned), after the classic long-division algorithm
     * with 32-bit digits: normalise v so its top bit is set, estimate each quotient digit from the top digit of v
     * and correct it at most twice.
     */
    private static long divlu(final long u1, final long u0, final long divisor) {
        final int s = Long.numberOfLeadingZeros(divisor);
        final long v = divisor << s;
        final long vn1 = v >>> 32;
        final long vn0 = v & LOW32;
        final long un32 = s == 0 ? u1 : (u1 << s) | (u0 >>> (64 - s));
        final long un10 = u0 << s;
        final long un1 = un10 >>> 32;
        final long un0 = un10 & LOW32;

        long q1 = Long.divideUnsigned(un32, vn1);
        long rhat = un32 - q1 * vn1;
        while (Long.compareUnsigned(q1, BASE32) >= 0
            || Long.compareUnsigned(q1 * vn0, (rhat << 32) + un1) > 0) {
            q1--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, BASE32) >= 0) {
                break;
            }
        }
        final long un21 = (un32 << 32) + un1 - q1 * v;

        long q0 = Long.divideUnsigned(un21, vn1);
        rhat = un21 - q0 * vn1;
        while (Long.compareUnsigned(q0, BASE32) >= 0
            || Long.compareUnsigned(q0 * vn0, (rhat << 32) + un0) > 0) {
            q0--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, BASE32) >= 0) {
                break;
            }
        }
        return (q1 << 32) + q0;
    }
}
