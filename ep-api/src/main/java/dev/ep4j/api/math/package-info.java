/**
 * Reference math shared by both backends and by the tests: bfloat16 and float8 e4m3 conversions
 * ({@link dev.ep4j.api.math.Bf16}, {@link dev.ep4j.api.math.Fp8E4m3}), per-token per-128-channel FP8 quantization
 * with the {@code round_scale} and UE8M0 options ({@link dev.ep4j.api.math.Fp8Quantizer},
 * {@link dev.ep4j.api.math.Ue8m0}, {@link dev.ep4j.api.math.Fp8Tensor}) and the LogFMT-10 combine wire format
 * ({@link dev.ep4j.api.math.LogFmt}).
 *
 * <p>Every result is specified down to the bit (operation order, rounding mode, NaN and overflow handling), because
 * the CUDA kernels must reproduce it exactly; each class comment states the rules. All classes are stateless and
 * thread-safe.
 */
package dev.ep4j.api.math;
