package dev.ep4j.sim.event;

/**
 * The one place where bytes and rates become simulated time. Virtual time is a {@code long} count of picoseconds;
 * rates are integer bytes per second.
 *
 * <p><b>Rounding rule.</b> A transfer of {@code bytes} at {@code rate} bytes/s lasts
 * {@code ceil(bytes * 10^12 / rate)} picoseconds, computed exactly in integer arithmetic with a 128-bit
 * intermediate ({@link ExactMath}); no {@code double} is involved, so the result is the same on every JVM and no
 * drift accumulates. Rounding up means a simulated transfer is never faster than the physical bound: the last byte
 * is delivered at the first whole picosecond at which all bytes fit.
 *
 * <p>Thread safety: stateless; safe from any thread.
 */
public final class Durations {
    /** Picoseconds per second. */
    public static final long PS_PER_SECOND = 1_000_000_000_000L;
    /** Picoseconds per millisecond. */
    public static final long PS_PER_MS = 1_000_000_000L;
    /** Picoseconds per microsecond. */
    public static final long PS_PER_US = 1_000_000L;
    /** Picoseconds per nanosecond. */
    public static final long PS_PER_NS = 1_000L;

    private Durations() {
    }

    /**
     * Duration of a transfer: {@code ceil(bytes * 10^12 / rateBytesPerSec)} picoseconds, exact.
     *
     * @param bytes           bytes to move, {@code >= 0}.
     * @param rateBytesPerSec rate in bytes per second, {@code > 0}.
     * @return the duration in picoseconds (0 for 0 bytes).
     * @throws IllegalArgumentException if {@code bytes < 0} or {@code rateBytesPerSec <= 0}.
     * @throws ArithmeticException      if the duration does not fit in a {@code long} (about 106 days).
     */
    public static long transferPs(final long bytes, final long rateBytesPerSec) {
        if (bytes < 0L || rateBytesPerSec <= 0L) {
            throw new IllegalArgumentException("transferPs needs bytes >= 0 and rateBytesPerSec > 0: bytes=" + bytes
                + " rateBytesPerSec=" + rateBytesPerSec);
        }
        return ExactMath.mulDivCeil(bytes, PS_PER_SECOND, rateBytesPerSec);
    }

    /**
     * Whole bytes a rate delivers in a duration: {@code floor(rateBytesPerSec * durationPs / 10^12)}, exact.
     *
     * @param rateBytesPerSec rate in bytes per second, {@code >= 0}.
     * @param durationPs      duration in picoseconds, {@code >= 0}.
     * @return whole bytes delivered.
     */
    public static long bytesIn(final long rateBytesPerSec, final long durationPs) {
        if (rateBytesPerSec < 0L || durationPs < 0L) {
            throw new IllegalArgumentException("bytesIn needs non-negative arguments: rateBytesPerSec="
                + rateBytesPerSec + " durationPs=" + durationPs);
        }
        return ExactMath.mulDivFloor(rateBytesPerSec, durationPs, PS_PER_SECOND);
    }

    /**
     * Converts gigabytes per second (10^9 bytes/s, the unit of DeepEP's tables) to integer bytes per second,
     * rounding to the nearest byte/s. Meant for configuration, not for the hot path.
     *
     * @param gbPerSec rate in GB/s, {@code > 0} and finite.
     * @return rate in bytes per second, {@code >= 1}.
     */
    public static long bytesPerSecFromGBps(final double gbPerSec) {
        if (!(gbPerSec > 0.0) || Double.isInfinite(gbPerSec)) {
            throw new IllegalArgumentException("gbPerSec must be positive and finite: " + gbPerSec);
        }
        return Math.max(1L, Math.round(gbPerSec * 1e9));
    }
}
