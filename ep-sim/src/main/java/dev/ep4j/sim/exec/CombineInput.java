package dev.ep4j.sim.exec;

import dev.ep4j.api.op.DispatchHandle;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;

/**
 * What one rank publishes for a normal combine.
 *
 * @param x       BF16 [rows, H]: this rank's expert outputs, one per received row (shape-only with payloads off).
 * @param weights FLOAT32 [rows, K] or null.
 * @param bias0   BF16 [T, H] or null.
 * @param bias1   BF16 [T, H] or null.
 * @param handle  this rank's dispatch handle.
 * @param routes  sender routes of the dispatch (from the handle's isTokenInRank and channel count).
 */
public record CombineInput(
    Tensor x, HostTensor weights, HostTensor bias0, HostTensor bias1, DispatchHandle handle,
    SenderRoutes routes) {
}
