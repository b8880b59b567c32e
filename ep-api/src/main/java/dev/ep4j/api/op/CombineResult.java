package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Outputs of a normal-mode combine.
 *
 * @param combinedX           BF16 [T, H].
 * @param combinedTopkWeights FLOAT32 [T, K] (sum of the returned weight rows), or null without weights.
 * @param stats               cost of the call.
 */
public record CombineResult(Tensor combinedX, Tensor combinedTopkWeights, OpStats stats) {
}
