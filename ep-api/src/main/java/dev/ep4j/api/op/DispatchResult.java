package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Outputs of a normal-mode dispatch (semantics.md §1.3). Rows arrive grouped by source rank ascending, then channel,
 * then source token index.
 *
 * @param recvX                  [Nr, H] (or [numWorstTokens, H]) in the dtype sent.
 * @param recvXScales            FP8 scales, row-major [Nr, S]; null for BF16.
 * @param recvTopkIdx            INT64 [Nr, K] local expert ids (0..E_loc-1) or -1; null without top-k / cached.
 * @param recvTopkWeights        FLOAT32 [Nr, K], 0 where the index is -1; null without top-k / cached.
 * @param numRecvTokensPerExpert aligned per-local-expert counts; empty with worst-case allocation or cached.
 * @param handle                 handle for combine and cached dispatch (the given one for cached dispatch).
 * @param stats                  cost of the call.
 */
public record DispatchResult(
    Tensor recvX, Tensor recvXScales, Tensor recvTopkIdx, Tensor recvTopkWeights, int[] numRecvTokensPerExpert,
    DispatchHandle handle, OpStats stats) {
}
