package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Arguments of {@code lowLatencyCombine}: {@code out[t] = sum over k in order of w[t][k] * row(topk_idx[t][k], t)},
 * float32, one rounding to BF16; entries of -1 skipped.
 *
 * @param x              BF16 [E_loc, R * T_max, H] expert outputs in the packed layout (ignored with zeroCopy).
 * @param topkIdx        the original tokens' top-k ids [T, K], as given to the dispatch.
 * @param topkWeights    FLOAT32 [T, K].
 * @param handle         the dispatch's handle.
 * @param useLogfmt      send LogFMT-10 encoded rows.
 * @param zeroCopy       the expert already wrote its output into the buffer's next combine send area.
 * @param returnRecvHook run only the send phase now and return a hook.
 */
public record LowLatencyCombineRequest(
    Tensor x, Tensor topkIdx, Tensor topkWeights, LowLatencyHandle handle, boolean useLogfmt, boolean zeroCopy,
    boolean returnRecvHook) {

    /**
     * @param x           expert outputs.
     * @param topkIdx     [T, K].
     * @param topkWeights [T, K].
     * @param handle      dispatch handle.
     * @return a plain BF16 combine without hook.
     */
    public static LowLatencyCombineRequest of(
        final Tensor x, final Tensor topkIdx, final Tensor topkWeights, final LowLatencyHandle handle) {
        return new LowLatencyCombineRequest(x, topkIdx, topkWeights, handle, false, false, false);
    }
}
