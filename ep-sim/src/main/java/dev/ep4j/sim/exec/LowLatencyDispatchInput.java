package dev.ep4j.sim.exec;

/**
 * What one rank publishes for a low-latency dispatch: its send area, i.e. every token already cast once on the
 * sender side (DeepEP's send phase, spec §6.3), and for every global expert the ascending list of its tokens that
 * select it (the messages it sends there). Built by {@link LowLatencyDispatch#send}.
 *
 * <p>The arrays are owned by this record and never modified after construction; receivers only read them, so the
 * record is safe to share between rank threads.
 *
 * @param rank             the sending rank.
 * @param maxTokensPerRank T_max the sender passed.
 * @param hidden           H.
 * @param numExperts       E.
 * @param topK             K of the sender's top-k tensor.
 * @param useFp8           the payload is FP8 e4m3 codes (else raw BF16).
 * @param roundScale       the FP8 scales are powers of two.
 * @param useUe8m0         the FP8 scales are packed UE8M0 int32 words.
 * @param tokens           T, the sender's token count.
 * @param payload          {@code T * rowBytes} bytes, token-major: FP8 codes ({@code rowBytes = H}) or little-endian
 *                         BF16 bits ({@code rowBytes = 2H}).
 * @param scaleWords       {@code T * scaleWordsPerToken} raw 32-bit scale words, token-major: float32 bits of the
 *                         inverse scales, or packed UE8M0 words; empty for BF16.
 * @param tokensByExpert   {@code [E][]}: for global expert g, the sender's tokens selecting g, ascending.
 */
public record LowLatencyDispatchInput(
    int rank, int maxTokensPerRank, int hidden, int numExperts, int topK, boolean useFp8, boolean roundScale,
    boolean useUe8m0, int tokens, byte[] payload, int[] scaleWords, int[][] tokensByExpert) {

    /**
     * @return bytes of one token's payload: H for FP8, 2H for BF16.
     */
    public int rowBytes() {
        return useFp8 ? hidden : 2 * hidden;
    }

    /**
     * @return 32-bit scale words per token: H/128 float scales, H/512 UE8M0 words, or 0 for BF16.
     */
    public int scaleWordsPerToken() {
        if (!useFp8) {
            return 0;
        }
        return useUe8m0 ? hidden / 512 : hidden / 128;
    }
}
