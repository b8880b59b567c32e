package dev.ep4j.api.op;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.Tensor;

/**
 * Arguments of a normal-mode {@code combine}: the reverse of the dispatch that produced {@code handle}.
 * {@code combined[t] = bias0[t] + bias1[t] + sum over receiving ranks, ascending, of their row}, in float32 with one
 * rounding to BF16; no weighting (the expert applies weights).
 *
 * @param x           BF16 [Nr, H]: one row per received row of the dispatch.
 * @param handle      the dispatch's handle.
 * @param topkWeights FLOAT32 [Nr, K] to sum back per token, or null.
 * @param bias0       BF16 [T, H] or null.
 * @param bias1       BF16 [T, H] or null (only with bias0).
 * @param config      kernel config; null takes DeepEP's default combine config.
 */
public record CombineRequest(
    Tensor x, DispatchHandle handle, Tensor topkWeights, Tensor bias0, Tensor bias1, KernelConfig config) {

    /**
     * @param x      expert outputs [Nr, H] BF16.
     * @param handle the dispatch's handle.
     * @return a request without weights, biases or explicit config.
     */
    public static CombineRequest of(final Tensor x, final DispatchHandle handle) {
        return new CombineRequest(x, handle, null, null, null, null);
    }

    /**
     * @param weights FLOAT32 [Nr, K].
     * @return a copy with weights.
     */
    public CombineRequest withWeights(final Tensor weights) {
        return new CombineRequest(x, handle, weights, bias0, bias1, config);
    }

    /**
     * @param b0 BF16 [T, H].
     * @param b1 BF16 [T, H] or null.
     * @return a copy with biases.
     */
    public CombineRequest withBias(final Tensor b0, final Tensor b1) {
        return new CombineRequest(x, handle, topkWeights, b0, b1, config);
    }

    /**
     * @param c kernel config.
     * @return a copy with an explicit config.
     */
    public CombineRequest withConfig(final KernelConfig c) {
        return new CombineRequest(x, handle, topkWeights, bias0, bias1, c);
    }
}
