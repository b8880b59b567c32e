package dev.ep4j.api.op;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.Tensor;

/**
 * Everything needed to reverse a normal dispatch ({@code combine}) or to repeat it with new data (cached dispatch).
 * Produced by a backend; pass it back to the same {@link dev.ep4j.api.EpBuffer}.
 */
public sealed interface DispatchHandle permits IntranodeHandle, InternodeHandle {
    /**
     * @return tokens of the original (sending) side, T.
     */
    long numTokens();

    /**
     * @return rows received by this rank, Nr.
     */
    long numRecvTokens();

    /**
     * @return rows of the dispatch's outputs: Nr, or numWorstTokens with worst-case allocation; the combine input
     *     has this many rows.
     */
    long recvRows();

    /**
     * @return BOOL [T, R] membership the dispatch used.
     */
    Tensor isTokenInRank();

    /**
     * @return the config the dispatch ran with (channel count must match in combine and cached dispatch).
     */
    KernelConfig config();
}
