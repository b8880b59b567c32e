package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Outputs of a low-latency dispatch (semantics.md §6.4). With a hook, the tensors are valid only after
 * {@link ReceiveHook#receive()}.
 *
 * @param recvX       [E_loc, R * T_max, H], FP8_E4M3 or BF16; rows past {@code recvCount[e]} are unspecified.
 * @param recvXScales token-contiguous scales: FLOAT32 [E_loc, H/128, R * T_max] or INT32 [E_loc, H/512, R * T_max]
 *                    (UE8M0); the scale of (expert e, row r, group g) is element [e, g, r]; null for BF16.
 * @param recvCount   INT32 [E_loc]: valid rows per local expert.
 * @param handle      handle for the combine.
 * @param hook        receive phase when requested, else null.
 * @param stats       cost of the call.
 */
public record LowLatencyDispatchResult(
    Tensor recvX, Tensor recvXScales, Tensor recvCount, LowLatencyHandle handle, ReceiveHook hook, OpStats stats) {
}
