package dev.ep4j.sim.scenario;

import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8E4m3;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;

/**
 * Helpers over the low-latency packed layout: dequantizing FP8 rows with their token-contiguous scales.
 * Stateless.
 */
final class LowLatencyRows {
    private LowLatencyRows() {
    }

    /**
     * @param d a low-latency dispatch result with FP8 rows and FLOAT32 scales [E_loc, S, R·T_max].
     * @return BF16 [E_loc, R·T_max, H]: decode(v) · scale, rounded to BF16.
     */
    static HostTensor dequantize(final LowLatencyDispatchResult d) {
        final HostTensor x = d.recvX().hostView();
        final HostTensor s = d.recvXScales().hostView();
        final long experts = x.dim(0);
        final long rows = x.dim(1);
        final long h = x.dim(2);
        final long groups = s.dim(1);
        final boolean ue8m0 = s.dtype() == DType.INT32;
        final HostTensor out = HostTensor.zeros(DType.BF16, experts, rows, h);
        for (long e = 0; e < experts; e++) {
            for (long r = 0; r < rows; r++) {
                for (long i = 0; i < h; i++) {
                    final long g = i / 128;
                    final float scale;
                    if (ue8m0) {
                        final int word = s.getInt((e * groups + g / 4) * rows + r);
                        scale = Float.intBitsToFloat(((word >>> (8 * (g % 4))) & 0xFF) << 23);
                    } else {
                        scale = s.getFloat((e * groups + g) * rows + r);
                    }
                    final long at = (e * rows + r) * h + i;
                    out.setShort(at, Bf16.fromFloat(Fp8E4m3.decode(x.getByte(at)) * scale));
                }
            }
        }
        return out;
    }
}
