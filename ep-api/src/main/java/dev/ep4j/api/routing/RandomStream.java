package dev.ep4j.api.routing;

/**
 * A seeded pseudo-random stream whose every output is fixed by its key {@code (seed, streamId, substream)}, on every
 * JVM version and platform. ep4j never uses {@code java.util.Random}, {@code SplittableRandom} or
 * {@code RandomGenerator} for data that must be reproducible: their algorithms (and {@code nextGaussian} in
 * particular) are not pinned by the specification.
 *
 * <p><b>Algorithm.</b> The generator is xoshiro256** (Blackman and Vigna, period 2<sup>256</sup> − 1). The key is
 * hashed into the 256-bit state with the SplitMix64 finaliser:
 * {@code k = mix(mix(mix(seed) ^ mix(streamId + C1)) ^ mix(substream + C2))}, then the four state words are the first
 * four outputs of a SplitMix64 sequence started at {@code k}. Different keys give statistically independent streams
 * (the usual hash-seeding argument; the streams are not provably disjoint, but with a 2<sup>256</sup> period an
 * overlap within any realistic run length has negligible probability). This is the JSL stream/substream idea: a
 * {@code streamId} names a model element (routing scores, masks, weights, …) and the substream a replica of it
 * (one per rank).
 *
 * <p><b>Derived values.</b> {@link #nextDouble()} uses the top 53 bits; {@link #nextInt(int)} is Lemire's unbiased
 * multiply-and-reject; {@link #nextGaussian()} is the Box–Muller transform computed with {@link StrictMath} (bitwise
 * reproducible fdlibm algorithms), producing values in pairs: the cosine branch is returned first and the sine branch
 * is kept for the next call.
 *
 * <p>Not thread-safe: each thread (rank) uses its own instance.
 */
public final class RandomStream {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long STREAM_SALT = 0x632BE59BD9B4E019L;
    private static final long SUBSTREAM_SALT = 0x85157AF5C2A3D8F1L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;
    private static final double TWO_PI = 2.0 * StrictMath.PI;

    private long s0;
    private long s1;
    private long s2;
    private long s3;
    private double spareGaussian;
    private boolean hasSpareGaussian;

    private RandomStream(final long key) {
        long x = key;
        x += GOLDEN_GAMMA;
        s0 = mix64(x);
        x += GOLDEN_GAMMA;
        s1 = mix64(x);
        x += GOLDEN_GAMMA;
        s2 = mix64(x);
        x += GOLDEN_GAMMA;
        s3 = mix64(x);
        if ((s0 | s1 | s2 | s3) == 0) {
            s0 = GOLDEN_GAMMA; // the all-zero state is the one fixed point of xoshiro; never start there
        }
    }

    /**
     * Opens the stream for a key. Two calls with the same key return streams producing identical sequences.
     *
     * @param seed      the scenario seed (any value).
     * @param streamId  which model element draws from the stream (any value; see the constants of {@link Routing}).
     * @param substream the replica, e.g. the rank (any value).
     * @return a new stream positioned at its start.
     */
    public static RandomStream of(final long seed, final long streamId, final long substream) {
        final long key = mix64(mix64(mix64(seed) ^ mix64(streamId + STREAM_SALT)) ^ mix64(substream + SUBSTREAM_SALT));
        return new RandomStream(key);
    }

    /**
     * The SplitMix64 finaliser (a bijection on 64-bit values with strong avalanche).
     *
     * @param value any value.
     * @return the mixed value.
     */
    static long mix64(final long value) {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @return the next 64 uniformly distributed bits (one xoshiro256** step).
     */
    public long nextLong() {
        final long result = Long.rotateLeft(s1 * 5, 7) * 9;
        final long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /**
     * @return a uniform double in {@code [0, 1)} on the grid of multiples of 2<sup>−53</sup> (one {@link #nextLong}).
     */
    public double nextDouble() {
        return (nextLong() >>> 11) * DOUBLE_UNIT;
    }

    /**
     * @return a uniform double in the open interval {@code (0, 1)}: the midpoints of the 2<sup>−53</sup> grid, so
     *     that logarithms of it and of {@code 1 − it} are finite (one {@link #nextLong}).
     */
    public double nextOpenDouble() {
        return ((nextLong() >>> 11) + 0.5) * DOUBLE_UNIT;
    }

    /**
     * Draws an integer uniformly without modulo bias (Lemire's method; usually one {@link #nextLong}, occasionally
     * more).
     *
     * @param bound exclusive upper bound, at least 1.
     * @return a value in {@code [0, bound)}.
     * @throws IllegalArgumentException when {@code bound < 1}.
     */
    public int nextInt(final int bound) {
        if (bound < 1) {
            throw new IllegalArgumentException("bound=" + bound + " must be >= 1");
        }
        long product = (nextLong() >>> 32) * bound;
        long low = product & 0xFFFFFFFFL;
        if (low < bound) {
            final long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                product = (nextLong() >>> 32) * bound;
                low = product & 0xFFFFFFFFL;
            }
        }
        return (int) (product >>> 32);
    }

    /**
     * Draws a standard normal value N(0, 1) by the Box–Muller transform with {@link StrictMath}: from
     * {@code u1 = 1 − nextDouble()} in {@code (0, 1]} and {@code u2 = nextDouble()}, the pair
     * {@code sqrt(−2 ln u1)·cos(2π u2)} and {@code sqrt(−2 ln u1)·sin(2π u2)}; the first is returned now and the
     * second by the next call (two {@link #nextLong} per pair).
     *
     * @return a finite standard normal deviate, bitwise reproducible.
     */
    public double nextGaussian() {
        if (hasSpareGaussian) {
            hasSpareGaussian = false;
            return spareGaussian;
        }
        final double u1 = 1.0 - nextDouble();
        final double u2 = nextDouble();
        final double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        final double theta = TWO_PI * u2;
        spareGaussian = radius * StrictMath.sin(theta);
        hasSpareGaussian = true;
        return radius * StrictMath.cos(theta);
    }
}
