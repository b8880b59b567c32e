package dev.ep4j.bench;

import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8Quantizer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Host FP8 quantization ({@link Fp8Quantizer}) of a {@code 4096 x 7168} BF16 tensor, the per-rank input of DeepEP's
 * intranode test: one operation quantizes every row through the allocation-free row API into reused buffers.
 *
 * <ul>
 *   <li>{@link #baseline()}: a plain pass over the same tensor that converts BF16 to float and reduces each
 *       128-channel group to its amax, without scales or FP8 encoding; the floor any quantizer pays for reading
 *       the input.</li>
 *   <li>{@link #plain()}: float32 scales {@code 448 / amax}.</li>
 *   <li>{@link #roundScale()}: power-of-two scales.</li>
 *   <li>{@link #roundScaleUe8m0()}: power-of-two scales packed as UE8M0 int32.</li>
 * </ul>
 * Report each variant as a ratio to {@link #baseline()} measured in the same run.
 *
 * <p>The input is random normal values with a per-row magnitude drawn from 2^-8..2^8 (fixed seed 20240611),
 * built once per fork in {@link #setup()}.
 *
 * <p>State is per thread ({@link Scope#Thread}); the class is not meant for any other use.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class Fp8QuantBenchmark {

    /** Tokens (rows). */
    static final int TOKENS = 4096;
    /** Hidden size (channels per row). */
    static final int HIDDEN = 7168;
    private static final int GROUP = Fp8Quantizer.GROUP;

    private short[] input;
    private byte[] codes;
    private float[] scales;
    private int[] packedScales;
    private float[] groupAmax;

    /** Builds the input and the reused output buffers. */
    @Setup
    public void setup() {
        final SplittableRandom rnd = new SplittableRandom(20240611L);
        input = new short[TOKENS * HIDDEN];
        for (int t = 0; t < TOKENS; t++) {
            final double rowScale = Math.scalb(1.0, rnd.nextInt(-8, 9));
            for (int i = 0; i < HIDDEN; i++) {
                input[t * HIDDEN + i] = Bf16.fromFloat((float) (gaussian(rnd) * rowScale));
            }
        }
        codes = new byte[TOKENS * HIDDEN];
        scales = new float[TOKENS * (HIDDEN / GROUP)];
        packedScales = new int[TOKENS * (HIDDEN / Fp8Quantizer.UE8M0_PACK)];
        groupAmax = new float[TOKENS * (HIDDEN / GROUP)];
    }

    /** Box-Muller: SplittableRandom has no nextGaussian on JDK 17. */
    private static double gaussian(final SplittableRandom rnd) {
        final double u = 1.0 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    /**
     * Reads the tensor once: BF16 to float and the amax of every 128-channel group.
     *
     * @return the per-group amax array (consumed by JMH).
     */
    @Benchmark
    public float[] baseline() {
        final short[] x = input;
        final float[] out = groupAmax;
        for (int g = 0; g < out.length; g++) {
            final int off = g * GROUP;
            float amax = 0f;
            for (int i = 0; i < GROUP; i++) {
                amax = Math.max(amax, Math.abs(Bf16.toFloat(x[off + i])));
            }
            out[g] = amax;
        }
        return out;
    }

    /**
     * Quantizes every row with float32 scales.
     *
     * @return the scales (the codes are written to a reused field array).
     */
    @Benchmark
    public float[] plain() {
        for (int t = 0; t < TOKENS; t++) {
            Fp8Quantizer.quantizeRow(input, t * HIDDEN, HIDDEN, false, codes, t * HIDDEN, scales,
                t * (HIDDEN / GROUP));
        }
        return scales;
    }

    /**
     * Quantizes every row with power-of-two float32 scales.
     *
     * @return the scales.
     */
    @Benchmark
    public float[] roundScale() {
        for (int t = 0; t < TOKENS; t++) {
            Fp8Quantizer.quantizeRow(input, t * HIDDEN, HIDDEN, true, codes, t * HIDDEN, scales,
                t * (HIDDEN / GROUP));
        }
        return scales;
    }

    /**
     * Quantizes every row with power-of-two scales packed as UE8M0.
     *
     * @return the packed scales.
     */
    @Benchmark
    public int[] roundScaleUe8m0() {
        final int packs = HIDDEN / Fp8Quantizer.UE8M0_PACK;
        for (int t = 0; t < TOKENS; t++) {
            Fp8Quantizer.quantizeRowUe8m0(input, t * HIDDEN, HIDDEN, codes, t * HIDDEN, packedScales, t * packs);
        }
        return packedScales;
    }
}
