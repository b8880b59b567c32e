package dev.ep4j.api.op;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.Tensor;

/**
 * Handle of an intranode dispatch (semantics.md §1.3, the 6-tuple).
 *
 * @param rankPrefixMatrix        INT32 [R, R]: column {@code me} is the inclusive prefix over source ranks of the
 *                                tokens this rank receives.
 * @param channelPrefixMatrix     INT32 [R, C]: sender side, inclusive prefix over channels of tokens to each rank.
 * @param recvChannelPrefixMatrix INT32 [R, C]: receiver side start offset of each (source, channel) block.
 * @param recvSrcIdx              INT32 [Nr]: source token index of each received row.
 * @param isTokenInRank           BOOL [T, R].
 * @param sendHead                INT32 [T, R]: ring position of token t at rank r, or -1.
 * @param numTokens               T.
 * @param numRecvTokens           Nr (true count; with worst-case allocation the outputs have more rows).
 * @param config                  the dispatch config.
 */
public record IntranodeHandle(
    Tensor rankPrefixMatrix, Tensor channelPrefixMatrix, Tensor recvChannelPrefixMatrix, Tensor recvSrcIdx,
    Tensor isTokenInRank, Tensor sendHead, long numTokens, long numRecvTokens, KernelConfig config)
    implements DispatchHandle {

    @Override
    public long recvRows() {
        return recvSrcIdx.dim(0);
    }
}
