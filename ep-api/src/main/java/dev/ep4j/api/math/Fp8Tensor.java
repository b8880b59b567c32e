package dev.ep4j.api.math;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * An FP8 tensor with its per-token, per-128-channel scales, as produced by {@link Fp8Quantizer}.
 *
 * <p>For data of shape {@code [..., H]}: float scales are {@code FLOAT32 [..., H/128]} inverse scales (dequantized
 * value = {@code decode(code) * scale}); UE8M0 scales are {@code INT32 [..., H/512]}, four exponent bytes per int
 * (see {@link Ue8m0}). Scales here are row-major; the low-latency kernels' transposed scale layout is a concern of
 * the backends.
 *
 * <p>Immutable as a record; the tensors it holds are mutable and not thread-safe for concurrent writes.
 *
 * @param data   {@link DType#FP8_E4M3} codes, shape {@code [..., H]} with {@code H} a multiple of 128.
 * @param scales {@link DType#FLOAT32} {@code [..., H/128]}, or with {@code ue8m0} {@link DType#INT32}
 *               {@code [..., H/512]}; leading dimensions equal to those of {@code data}.
 * @param ue8m0  whether {@code scales} are packed UE8M0.
 */
public record Fp8Tensor(HostTensor data, HostTensor scales, boolean ue8m0) {

    /**
     * Validates dtypes and shapes.
     *
     * @param data   FP8 codes {@code [..., H]}.
     * @param scales float {@code [..., H/128]} or packed UE8M0 {@code [..., H/512]} scales.
     * @param ue8m0  whether {@code scales} are packed UE8M0.
     * @throws InvalidInputException when a dtype or a dimension does not match the description above.
     */
    public Fp8Tensor {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(scales, "scales");
        if (data.dtype() != DType.FP8_E4M3 || data.rank() < 1) {
            throw new InvalidInputException("FP8 data must be an FP8_E4M3 tensor of rank >= 1, got " + data);
        }
        final long hidden = data.dim(-1);
        final DType scaleType = ue8m0 ? DType.INT32 : DType.FLOAT32;
        final long perScale = ue8m0 ? 4L * Fp8Quantizer.GROUP : Fp8Quantizer.GROUP;
        if (hidden % perScale != 0) {
            throw new InvalidInputException("FP8 data hidden size H=" + hidden + " must be a multiple of "
                + perScale + (ue8m0 ? " with UE8M0 scales" : ""));
        }
        final long[] expected = data.shape();
        expected[expected.length - 1] = hidden / perScale;
        if (scales.dtype() != scaleType || !Arrays.equals(scales.shape(), expected)) {
            throw new InvalidInputException("FP8 scales must be " + scaleType + " " + Arrays.toString(expected)
                + " for data " + data + (ue8m0 ? " (UE8M0)" : "") + ", got " + scales);
        }
    }
}
