package dev.ep4j.api.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Bf16Test {

    private static String hex(final int v) {
        return String.format("0x%08X", v);
    }

    @Test
    void shouldDecodeEveryPatternExactly() {
        for (int b = 0; b < 0x10000; b++) {
            final float f = Bf16.toFloat((short) b);
            final float expected = RefMath.bf16ToFloat((short) b);
            if (Float.isNaN(expected)) {
                assertThat(f).as("bits %04X", b).isNaN();
                assertThat(Float.floatToRawIntBits(f)).as("NaN payload kept for %04X", b).isEqualTo(b << 16);
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(f), "bits " + hex(b));
            }
        }
    }

    @Test
    void shouldRoundTripEveryPatternExceptNaNCanonicalisation() {
        int nans = 0;
        for (int b = 0; b < 0x10000; b++) {
            final short back = Bf16.fromFloat(Bf16.toFloat((short) b));
            final boolean nan = (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0;
            if (nan) {
                nans++;
                assertEquals(0x7FFF, back & 0xFFFF, "NaN " + hex(b));
            } else {
                assertEquals(b, back & 0xFFFF, "bits " + hex(b));
            }
        }
        assertThat(nans).isEqualTo(2 * 127);
    }

    @Test
    void shouldMatchReferenceOnStridedSweepOfAllFloats() {
        // 2^32 / 31 ≈ 138 million patterns, every exponent and sign.
        long checked = 0;
        for (long i = 0; i <= 0xFFFFFFFFL; i += 31) {
            final float f = Float.intBitsToFloat((int) i);
            final short got = Bf16.fromFloat(f);
            final short want = RefMath.floatToBf16(f);
            if (got != want) {
                assertEquals(want & 0xFFFF, got & 0xFFFF, "float bits " + hex((int) i));
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(138_000_000L);
    }

    @Test
    void shouldRoundEveryHalfwayPointToEven() {
        // Every bf16 pattern b (non-NaN, non-Inf): the float exactly halfway to the next pattern rounds to the even
        // one of the two; one float ulp either side rounds to the nearer one.
        for (int b = 0; b < 0x10000; b++) {
            if ((b & 0x7F80) == 0x7F80) {
                continue;
            }
            final int hi = b << 16;
            final int even = (b & 1) == 0 ? b : b + 1;
            assertEquals(even, Bf16.fromFloat(Float.intBitsToFloat(hi | 0x8000)) & 0xFFFF, "halfway " + hex(b));
            assertEquals(b, Bf16.fromFloat(Float.intBitsToFloat(hi | 0x7FFF)) & 0xFFFF, "below halfway " + hex(b));
            assertEquals(b + 1, Bf16.fromFloat(Float.intBitsToFloat(hi | 0x8001)) & 0xFFFF, "above " + hex(b));
            assertEquals(b, Bf16.fromFloat(Float.intBitsToFloat(hi)) & 0xFFFF, "exact " + hex(b));
            for (final int low : new int[] {0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF}) {
                final float f = Float.intBitsToFloat(hi | low);
                assertEquals(RefMath.floatToBf16(f), Bf16.fromFloat(f), "bits " + hex(hi | low));
            }
        }
    }

    @Test
    void shouldHandleSpecialValues() {
        assertEquals(0x7FFF, Bf16.fromFloat(Float.NaN) & 0xFFFF);
        assertEquals(0x7FFF, Bf16.fromFloat(Float.intBitsToFloat(0xFFC00001)) & 0xFFFF);
        assertEquals(0x7FFF, Bf16.fromFloat(Float.intBitsToFloat(0x7F800001)) & 0xFFFF);
        assertEquals(0x7F80, Bf16.fromFloat(Float.POSITIVE_INFINITY) & 0xFFFF);
        assertEquals(0xFF80, Bf16.fromFloat(Float.NEGATIVE_INFINITY) & 0xFFFF);
        assertEquals(0x7F80, Bf16.fromFloat(Float.MAX_VALUE) & 0xFFFF);
        assertEquals(0xFF80, Bf16.fromFloat(-Float.MAX_VALUE) & 0xFFFF);
        assertEquals(0x7F80, Bf16.fromFloat(Float.intBitsToFloat(0x7F7F8000)) & 0xFFFF);
        assertEquals(0x7F7F, Bf16.fromFloat(Float.intBitsToFloat(0x7F7F7FFF)) & 0xFFFF);
        assertEquals(0x8000, Bf16.fromFloat(-0f) & 0xFFFF);
        assertEquals(0x0000, Bf16.fromFloat(Float.MIN_VALUE) & 0xFFFF);
        assertEquals(0x8000, Bf16.fromFloat(-Float.MIN_VALUE) & 0xFFFF);
        assertEquals(0x0001, Bf16.fromFloat(Float.intBitsToFloat(0x00008001)) & 0xFFFF);
        assertEquals(0x3F80, Bf16.fromFloat(1f) & 0xFFFF);
        assertEquals(0x4049, Bf16.fromFloat((float) Math.PI) & 0xFFFF);
    }

    @Test
    void shouldConvertArraysAndTensors() {
        final SplittableRandom rnd = new SplittableRandom(1);
        final float[] src = new float[1000];
        for (int i = 0; i < src.length; i++) {
            src[i] = Float.intBitsToFloat(rnd.nextInt());
        }
        final short[] bits = new short[src.length + 3];
        Bf16.fromFloat(src, 0, bits, 3, src.length);
        final float[] back = new float[src.length];
        Bf16.toFloat(bits, 3, back, 0, src.length);
        final HostTensor f32 = HostTensor.zeros(DType.FLOAT32, 10, 100);
        for (int i = 0; i < src.length; i++) {
            assertEquals(Bf16.fromFloat(src[i]), bits[3 + i]);
            assertEquals(Float.floatToRawIntBits(Bf16.toFloat(bits[3 + i])), Float.floatToRawIntBits(back[i]));
            f32.setFloat(i, src[i]);
        }
        final HostTensor bf = Bf16.fromFloat32(f32);
        assertThat(bf.dtype()).isEqualTo(DType.BF16);
        assertThat(bf.shape()).containsExactly(10, 100);
        final HostTensor again = Bf16.toFloat32(bf);
        for (int i = 0; i < src.length; i++) {
            assertEquals(bits[3 + i], bf.getShort(i));
            assertEquals(Float.floatToRawIntBits(back[i]), Float.floatToRawIntBits(again.getFloat(i)));
        }
        assertThatThrownBy(() -> Bf16.toFloat32(f32)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("BF16").hasMessageContaining("FLOAT32");
        assertThatThrownBy(() -> Bf16.toFloat(bits, 4, back, 0, src.length))
            .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
