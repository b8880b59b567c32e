package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Routing counts of {@code dispatchLayout} (semantics.md §3), computed from {@code topk_idx}.
 *
 * @param numTokensPerRank   INT32 [R]: tokens this rank sends to each rank (once per rank).
 * @param numTokensPerNode   INT32 [nodes]: tokens this rank sends to each node (once per node); {@code null} for a
 *                           single-node group, as DeepEP returns None when R &lt;= 8.
 * @param numTokensPerExpert INT32 [E]: (token, k) selections per expert.
 * @param isTokenInRank      BOOL [T, R]: whether token t goes to rank r.
 * @param stats              cost of the call.
 */
public record DispatchLayoutResult(
    Tensor numTokensPerRank, Tensor numTokensPerNode, Tensor numTokensPerExpert, Tensor isTokenInRank,
    OpStats stats) {
}
