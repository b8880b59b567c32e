package dev.ep4j.sim.exec;

import dev.ep4j.api.op.InternodeHandle;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;

/**
 * Builds the internode dispatch handle (DeepEP's 10-tuple, with "RDMA rank" = node) of one rank, with the
 * forwarder order that docs/semantics.md fixes: rows arriving over RDMA from node i (sent by rank (i, my local
 * index)) in source node, channel, token order. Stateless.
 */
final class InternodeHandles {
    private InternodeHandles() {
    }

    static InternodeHandle of(final int me, final DispatchInput[] inputs, final Topology topo, final int[][] prefix,
        final HostTensor recvSrc, final int nr) {
        final int r = topo.ranks();
        final int n = topo.nodes();
        final int g = topo.gpusPerNode();
        final int myNode = topo.nodeOf(me);
        final int myLocal = topo.localOf(me);
        final DispatchInput mine = inputs[me];
        final SenderRoutes routes = mine.routes();
        final int c = routes.channels();
        final int t = routes.tokens();

        final HostTensor rdmaCpm = HostTensor.zeros(DType.INT32, n, c);
        final HostTensor recvRdmaCpm = HostTensor.zeros(DType.INT32, n, c);
        final HostTensor recvRdmaPrefix = HostTensor.zeros(DType.INT32, n);
        int rdmaRows = 0;
        for (int j = 0; j < n; j++) {
            final SenderRoutes fromJ = inputs[topo.rankOf(j, myLocal)].routes();
            for (int ch = 0; ch < c; ch++) {
                rdmaCpm.setInt((long) j * c + ch, routes.nodePrefix(j, ch));
                recvRdmaCpm.setInt((long) j * c + ch, fromJ.nodePrefix(myNode, ch));
            }
            rdmaRows += fromJ.nodePrefix(myNode, c - 1);
            recvRdmaPrefix.setInt(j, rdmaRows);
        }
        final HostTensor gblCpm = HostTensor.zeros(DType.INT32, r, c);
        final HostTensor recvGblCpm = HostTensor.zeros(DType.INT32, r, c);
        final HostTensor recvGblPrefix = HostTensor.zeros(DType.INT32, r);
        for (int d = 0; d < r; d++) {
            final int offset = d == 0 ? 0 : prefix[d - 1][me];
            for (int ch = 0; ch < c; ch++) {
                gblCpm.setInt((long) d * c + ch, routes.rankPrefix(d, ch));
                recvGblCpm.setInt((long) d * c + ch, offset + inputs[d].routes().rankPrefix(me, ch - 1));
            }
            recvGblPrefix.setInt(d, prefix[d][me]);
        }
        final int metaBytes = metaBytes(g);
        final HostTensor meta = HostTensor.zeros(DType.UINT8, recvSrc.dim(0), metaBytes);
        final java.nio.ByteBuffer mb = meta.buffer();
        for (int row = nr; row < recvSrc.dim(0); row++) {
            mb.putInt(row * metaBytes, -1);
        }
        for (int s = 0; s < r; s++) {
            final SenderRoutes from = inputs[s].routes();
            final int base = s == 0 ? 0 : prefix[s - 1][me];
            for (int ch = 0; ch < c; ch++) {
                final int start = from.rankPrefix(me, ch - 1);
                for (int tok = from.start(ch); tok < from.end(ch); tok++) {
                    final int pos = from.rankPos(tok, me);
                    if (pos >= 0) {
                        final int row = base + start + pos;
                        mb.putInt(row * metaBytes, topo.nodeOf(s));
                        for (int m = 0; m < g; m++) {
                            if (from.goesTo(tok, topo.rankOf(myNode, m))) {
                                final int at = row * metaBytes + 4 + (m / 32) * 4;
                                mb.putInt(at, mb.getInt(at) | 1 << (m % 32));
                            }
                        }
                    }
                }
            }
        }
        final HostTensor sendRdmaHead = HostTensor.zeros(DType.INT32, t, n);
        for (int tok = 0; tok < t; tok++) {
            for (int j = 0; j < n; j++) {
                sendRdmaHead.setInt((long) tok * n + j, routes.nodePos(tok, j));
            }
        }
        final HostTensor sendNvlHead = HostTensor.zeros(DType.INT32, rdmaRows, g);
        final int[] run = new int[c * g];
        int row = 0;
        for (int i = 0; i < n; i++) {
            final SenderRoutes from = inputs[topo.rankOf(i, myLocal)].routes();
            for (int tok = 0; tok < from.tokens(); tok++) {
                if (from.nodePos(tok, myNode) < 0) {
                    continue;
                }
                final int ch = from.channelOf(tok);
                for (int m = 0; m < g; m++) {
                    final boolean to = from.goesTo(tok, topo.rankOf(myNode, m));
                    sendNvlHead.setInt((long) row * g + m, to ? run[ch * g + m]++ : -1);
                }
                row++;
            }
        }
        return new InternodeHandle(mine.isTokenInRank(), rdmaCpm, gblCpm, recvRdmaCpm, recvRdmaPrefix, recvGblCpm,
            recvGblPrefix, meta, sendRdmaHead, sendNvlHead, t, nr, mine.config());
    }

    /**
     * @param g GPUs per node.
     * @return SourceMeta bytes: int32 source node, then the NVL mask in ceil(g/32) little-endian int32 words (8 bytes
     *     for g &lt;= 32, DeepEP's record).
     */
    static int metaBytes(final int g) {
        return 4 + 4 * ((g + 31) / 32);
    }
}
