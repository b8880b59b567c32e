package dev.ep4j.sim.exec;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.op.DispatchHandle;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.InternodeHandle;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.ShapeTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.nio.ByteBuffer;

/**
 * The receive side of a normal dispatch, for one rank, from every rank's published {@link DispatchInput}: the
 * closed form of the kernels' result (docs/semantics.md "Normal dispatch"). Rows of source s start at
 * P[s-1][me]; inside a source, channel c's block starts at the exclusive channel prefix and holds the channel's
 * tokens in order. With payloads off (x without content) only routing outputs are computed; recv_x and its
 * scales come back as {@link ShapeTensor}s. Stateless.
 */
public final class NormalDispatch {
    private NormalDispatch() {
    }

    /**
     * @param me       the receiving rank.
     * @param inputs   every rank's input, by rank.
     * @param topology the group.
     * @param numExperts E (0 for cached dispatch).
     * @return this rank's outputs.
     */
    public static DispatchResult receive(final int me, final DispatchInput[] inputs, final Topology topology,
        final int numExperts) {
        final int r = topology.ranks();
        final DispatchInput mine = inputs[me];
        final Tensor x = mine.x();
        final boolean payload = mine.hasPayload();
        final int h = (int) x.dim(1);
        final int rowBytes = h * x.dtype().byteSize();
        final int[][] prefix = rankPrefixMatrix(inputs, r);
        final int nr = prefix[r - 1][me];
        final int rows = mine.numWorstTokens() > 0 ? mine.numWorstTokens() : nr;
        if (nr > rows) {
            throw new InvalidInputException("rank " + me + " receives " + nr + " tokens but numWorstTokens="
                + mine.numWorstTokens() + "; raise numWorstTokens to at least " + nr + " (T x R is always enough)");
        }
        final Tensor scales = mine.scales();
        final int scaleWords = scales == null ? 0 : (int) scales.dim(1);
        final HostTensor recvX = payload ? HostTensor.zeros(x.dtype(), rows, h) : null;
        final HostTensor recvScales = scales == null || !payload ? null
            : HostTensor.zeros(scales.dtype(), rows, scaleWords);
        final boolean withTopk = mine.cached() == null && mine.topkIdx() != null;
        final int k = withTopk ? (int) mine.topkIdx().dim(1) : 0;
        final HostTensor recvIdx = withTopk ? HostTensor.zeros(DType.INT64, rows, k) : null;
        final HostTensor recvW = withTopk ? HostTensor.zeros(DType.FLOAT32, rows, k) : null;
        final HostTensor recvSrc = HostTensor.zeros(DType.INT32, rows);
        final int local = numExperts / r;
        final long lo = (long) me * local;
        final long hi = lo + local;
        for (int s = 0; s < r; s++) {
            final DispatchInput in = inputs[s];
            final SenderRoutes routes = in.routes();
            final int base = s == 0 ? 0 : prefix[s - 1][me];
            for (int c = 0; c < routes.channels(); c++) {
                final int chanStart = routes.rankPrefix(me, c - 1);
                for (int t = routes.start(c); t < routes.end(c); t++) {
                    final int pos = routes.rankPos(t, me);
                    if (pos < 0) {
                        continue;
                    }
                    final int row = base + chanStart + pos;
                    if (payload) {
                        copyRow(in.x().hostView(), t, recvX, row, rowBytes);
                        if (recvScales != null) {
                            copyRow(in.scales().hostView(), t, recvScales, row, scaleWords * 4);
                        }
                    }
                    recvSrc.setInt(row, t);
                    if (withTopk) {
                        for (int j = 0; j < k; j++) {
                            final long e = in.topkIdx().getIntegral((long) t * k + j);
                            final boolean here = e >= lo && e < hi;
                            recvIdx.setLong((long) row * k + j, here ? e - lo : -1);
                            recvW.setFloat((long) row * k + j, here ? in.topkWeights().getFloat((long) t * k + j) : 0f);
                        }
                    }
                }
            }
        }
        for (int row = nr; row < rows; row++) {
            recvSrc.setInt(row, -1);
            for (int j = 0; j < k; j++) {
                recvIdx.setLong((long) row * k + j, -1);
            }
        }
        final Tensor outX = payload ? recvX : ShapeTensor.of(x.dtype(), rows, h);
        final Tensor outScales = scales == null ? null
            : payload ? recvScales : ShapeTensor.of(scales.dtype(), rows, scaleWords);
        if (mine.cached() != null) {
            return new DispatchResult(outX, outScales, null, null, new int[0], mine.cached(),
                OpStats.untimed("dispatch"));
        }
        final int[] perExpert = new int[mine.numWorstTokens() > 0 ? 0 : local];
        for (int i = 0; i < perExpert.length; i++) {
            long sum = 0;
            for (int s = 0; s < r; s++) {
                sum += inputs[s].perExpert().getInt(lo + i);
            }
            final long a = mine.alignment();
            perExpert[i] = (int) ((sum + a - 1) / a * a);
        }
        final DispatchHandle handle = topology.isInternode()
            ? InternodeHandles.of(me, inputs, topology, prefix, recvSrc, nr)
            : intranodeHandle(me, inputs, prefix, recvSrc, nr);
        return new DispatchResult(outX, outScales, recvIdx, recvW, perExpert, handle, OpStats.untimed("dispatch"));
    }

    /**
     * P[s][d] = sum over s' &lt;= s of tokens s' sends to d, every column (docs/semantics.md).
     *
     * @param inputs every rank's input.
     * @param r      ranks.
     * @return P.
     */
    static int[][] rankPrefixMatrix(final DispatchInput[] inputs, final int r) {
        final int[][] p = new int[r][r];
        for (int s = 0; s < r; s++) {
            for (int d = 0; d < r; d++) {
                p[s][d] = (s == 0 ? 0 : p[s - 1][d]) + inputs[s].routes().countTo(d);
            }
        }
        return p;
    }

    private static IntranodeHandle intranodeHandle(final int me, final DispatchInput[] inputs, final int[][] prefix,
        final HostTensor recvSrc, final int nr) {
        final int r = prefix.length;
        final DispatchInput mine = inputs[me];
        final SenderRoutes routes = mine.routes();
        final int c = routes.channels();
        final HostTensor rpm = HostTensor.zeros(DType.INT32, r, r);
        for (int s = 0; s < r; s++) {
            for (int d = 0; d < r; d++) {
                rpm.setInt((long) s * r + d, prefix[s][d]);
            }
        }
        final HostTensor cpm = HostTensor.zeros(DType.INT32, r, c);
        final HostTensor rcpm = HostTensor.zeros(DType.INT32, r, c);
        for (int d = 0; d < r; d++) {
            for (int ch = 0; ch < c; ch++) {
                cpm.setInt((long) d * c + ch, routes.rankPrefix(d, ch));
                rcpm.setInt((long) d * c + ch, inputs[d].routes().rankPrefix(me, ch - 1));
            }
        }
        final int t = routes.tokens();
        final HostTensor sendHead = HostTensor.zeros(DType.INT32, t, r);
        for (int i = 0; i < t; i++) {
            for (int d = 0; d < r; d++) {
                sendHead.setInt((long) i * r + d, routes.rankPos(i, d));
            }
        }
        return new IntranodeHandle(rpm, cpm, rcpm, recvSrc, mine.isTokenInRank(), sendHead, t, nr, mine.config());
    }

    static void copyRow(final HostTensor src, final int srcRow, final HostTensor dst, final int dstRow,
        final int bytes) {
        final ByteBuffer d = dst.buffer();
        d.put(dstRow * bytes, src.buffer(), srcRow * bytes, bytes);
    }
}
