package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Output of a low-latency combine.
 *
 * @param combinedX BF16 [T, H]; valid after the hook when one was requested.
 * @param hook      receive phase when requested, else null.
 * @param stats     cost of the call.
 */
public record LowLatencyCombineResult(Tensor combinedX, ReceiveHook hook, OpStats stats) {
}
