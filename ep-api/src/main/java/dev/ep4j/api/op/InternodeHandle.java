package dev.ep4j.api.op;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.Tensor;

/**
 * Handle of an internode dispatch (semantics.md §1.3, the 10-tuple), with "RDMA rank" meaning node.
 *
 * @param isTokenInRank              BOOL [T, R].
 * @param rdmaChannelPrefixMatrix    INT32 [nodes, C].
 * @param gblChannelPrefixMatrix     INT32 [R, C].
 * @param recvRdmaChannelPrefixMatrix INT32 [nodes, C].
 * @param recvRdmaRankPrefixSum      INT32 [nodes].
 * @param recvGblChannelPrefixMatrix INT32 [R, C].
 * @param recvGblRankPrefixSum       INT32 [R].
 * @param recvSrcMeta                UINT8 [Nr, 8]: SourceMeta records (src node int32, NVL mask int32).
 * @param sendRdmaHead               INT32 [T, nodes].
 * @param sendNvlHead                INT32 [N_rdma_recv, gpusPerNode].
 * @param numTokens                  T.
 * @param numRecvTokens              Nr.
 * @param config                     the dispatch config.
 */
public record InternodeHandle(
    Tensor isTokenInRank, Tensor rdmaChannelPrefixMatrix, Tensor gblChannelPrefixMatrix,
    Tensor recvRdmaChannelPrefixMatrix, Tensor recvRdmaRankPrefixSum, Tensor recvGblChannelPrefixMatrix,
    Tensor recvGblRankPrefixSum, Tensor recvSrcMeta, Tensor sendRdmaHead, Tensor sendNvlHead, long numTokens,
    long numRecvTokens, KernelConfig config) implements DispatchHandle {

    @Override
    public long recvRows() {
        return recvSrcMeta.dim(0);
    }
}
