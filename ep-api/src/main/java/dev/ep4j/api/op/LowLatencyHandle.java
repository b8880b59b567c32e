package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Handle of a low-latency dispatch, needed by its combine.
 *
 * @param srcInfo          INT32 [E_loc, R * T_max]: source token index of each packed row.
 * @param layoutRange      INT64 [E_loc, R]: (begin row &lt;&lt; 32) | count, per source rank.
 * @param maxTokensPerRank T_max.
 * @param hidden           H.
 * @param numExperts       E.
 */
public record LowLatencyHandle(
    Tensor srcInfo, Tensor layoutRange, int maxTokensPerRank, int hidden, int numExperts) {
}
