package dev.ep4j.api.op;

import dev.ep4j.api.tensor.Tensor;

/**
 * Arguments of {@code lowLatencyDispatch} (semantics.md §6): every (token, selected expert) is sent as its own
 * message into the per-expert packed layout {@code [E_loc, R * maxTokensPerRank, H]}.
 *
 * @param x                              BF16 [T, H], T &lt;= maxTokensPerRank.
 * @param topkIdx                        INT64 or INT32 [T, K], ids in [-1, E), distinct per row.
 * @param maxTokensPerRank               T_max, identical on every rank.
 * @param numExperts                     E, divisible by R.
 * @param useFp8                         cast to FP8 inside dispatch (per-token, per-128-channel scales).
 * @param roundScale                     power-of-two scales (requires useFp8).
 * @param useUe8m0                       pack scales as UE8M0 int32 (requires roundScale).
 * @param returnRecvHook                 run only the send phase now and return a hook for the receive phase.
 * @param cumulativeLocalExpertRecvStats INT32 [E_loc] to which received counts are added, or null.
 */
public record LowLatencyDispatchRequest(
    Tensor x, Tensor topkIdx, int maxTokensPerRank, int numExperts, boolean useFp8, boolean roundScale,
    boolean useUe8m0, boolean returnRecvHook, Tensor cumulativeLocalExpertRecvStats) {

    /**
     * @param x                tokens BF16 [T, H].
     * @param topkIdx          [T, K].
     * @param maxTokensPerRank T_max.
     * @param numExperts       E.
     * @return an FP8 request with float scales and no hook, DeepEP's defaults.
     */
    public static LowLatencyDispatchRequest of(
        final Tensor x, final Tensor topkIdx, final int maxTokensPerRank, final int numExperts) {
        return new LowLatencyDispatchRequest(x, topkIdx, maxTokensPerRank, numExperts, true, false, false, false,
            null);
    }

    /**
     * @param fp8   cast to FP8.
     * @param round power-of-two scales.
     * @param ue8m0 packed UE8M0 scales.
     * @return a copy with these cast options.
     */
    public LowLatencyDispatchRequest withCast(final boolean fp8, final boolean round, final boolean ue8m0) {
        return new LowLatencyDispatchRequest(x, topkIdx, maxTokensPerRank, numExperts, fp8, round, ue8m0,
            returnRecvHook, cumulativeLocalExpertRecvStats);
    }

    /**
     * @param hook return a receive hook.
     * @return a copy with the hook option.
     */
    public LowLatencyDispatchRequest withRecvHook(final boolean hook) {
        return new LowLatencyDispatchRequest(x, topkIdx, maxTokensPerRank, numExperts, useFp8, roundScale, useUe8m0,
            hook, cumulativeLocalExpertRecvStats);
    }
}
