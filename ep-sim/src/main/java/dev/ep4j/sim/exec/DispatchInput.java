package dev.ep4j.sim.exec;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.DispatchHandle;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;

/**
 * What one rank publishes for a normal dispatch: its validated arguments as host tensors and its sender routes.
 *
 * @param x              BF16 or FP8 [T, H]; a {@link dev.ep4j.api.tensor.ShapeTensor} with payloads off.
 * @param scales         FP8 scales or null (shape-only with payloads off).
 * @param topkIdx        [T, K] or null.
 * @param topkWeights    [T, K] or null.
 * @param isTokenInRank  BOOL [T, R].
 * @param perExpert      the layout's tokens per expert [E], or null for cached dispatch.
 * @param routes         sender routes computed from isTokenInRank.
 * @param config         the config the call runs with.
 * @param alignment      expert alignment.
 * @param numWorstTokens worst-case rows or 0.
 * @param cached         the cached handle, or null.
 */
public record DispatchInput(
    Tensor x, Tensor scales, HostTensor topkIdx, HostTensor topkWeights, HostTensor isTokenInRank,
    HostTensor perExpert, SenderRoutes routes, KernelConfig config, int alignment, int numWorstTokens,
    DispatchHandle cached) {

    /**
     * @return true when x carries data (payloads on).
     */
    public boolean hasPayload() {
        return x.hostView() != null;
    }
}
