package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.bf16ToFloat;
import static dev.ep4j.api.contract.ContractSupport.floatToBf16;

import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.math.Fp8Tensor;
import dev.ep4j.api.math.LogFmt;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.List;

/**
 * The independent reference of the contract tests: what every rank must receive and return, computed from all
 * ranks' inputs with plain loops over (source, token, destination), following docs/semantics.md.
 *
 * <p>It is deliberately not shaped like an executor: there are no rings, chunks or per-channel streams. It uses
 * the fact that channels own contiguous, ascending token ranges, so "source rank, then channel, then token" is
 * "source rank, then token"; the row of (source s, token t) at destination d is the number of tokens every lower
 * source sends to d plus the number of tokens of s before t that go to d. Channel matrices and send heads are
 * counted separately, straight from their definitions. BF16 rounding uses {@link ContractSupport#floatToBf16}
 * (round to nearest even), not the production codec; FP8 casts and LogFMT use the shared reference math
 * ({@code dev.ep4j.api.math}), as docs/semantics.md prescribes.
 *
 * <p>Stateless and thread-safe.
 */
public final class ContractReference {
    private ContractReference() {
    }

    // ------------------------------------------------------------------------------------------------------------
    // layout

    /**
     * Expected {@code dispatchLayout} of one rank.
     *
     * @param perRank   tokens to each rank (once per rank).
     * @param perNode   tokens to each node (once per node).
     * @param perExpert selections of each expert.
     * @param inRank    [T][R] membership.
     */
    public record Layout(int[] perRank, int[] perNode, int[] perExpert, boolean[][] inRank) {
    }

    /**
     * @param topkIdx  INT64/INT32 [T, K].
     * @param experts  E.
     * @param topology the group.
     * @return the expected layout.
     */
    public static Layout layout(final HostTensor topkIdx, final int experts, final Topology topology) {
        final int tokens = (int) topkIdx.dim(0);
        final int k = (int) topkIdx.dim(1);
        final int ranks = topology.ranks();
        final int local = experts / ranks;
        final int g = topology.gpusPerNode();
        final boolean[][] in = new boolean[tokens][ranks];
        final int[] perRank = new int[ranks];
        final int[] perNode = new int[topology.nodes()];
        final int[] perExpert = new int[experts];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                final long e = topkIdx.getIntegral((long) t * k + j);
                if (e >= 0 && e < experts) {
                    perExpert[(int) e]++;
                }
            }
            for (int r = 0; r < ranks; r++) {
                for (int j = 0; j < k; j++) {
                    final long e = topkIdx.getIntegral((long) t * k + j);
                    if (e >= (long) r * local && e < (long) (r + 1) * local) {
                        in[t][r] = true;
                    }
                }
                if (in[t][r]) {
                    perRank[r]++;
                }
            }
            for (int n = 0; n < topology.nodes(); n++) {
                boolean any = false;
                for (int m = 0; m < g; m++) {
                    any |= in[t][n * g + m];
                }
                if (any) {
                    perNode[n]++;
                }
            }
        }
        return new Layout(perRank, perNode, perExpert, in);
    }

    // ------------------------------------------------------------------------------------------------------------
    // routes

    /** Who sends which token to whom, and at which row it lands, for every rank of one normal dispatch. */
    public static final class Routes {
        private final Topology topology;
        private final int channels;
        private final int[] tokens;
        private final boolean[][][] in;
        private final int[][] prefix;
        private final int[][][] row;

        /**
         * @param inputs   all ranks' inputs.
         * @param channels C = numSms / 2 of the dispatch config.
         */
        public Routes(final NormalInputs inputs, final int channels) {
            this.topology = inputs.topology();
            this.channels = channels;
            final int ranks = topology.ranks();
            this.tokens = new int[ranks];
            this.in = new boolean[ranks][][];
            for (int s = 0; s < ranks; s++) {
                tokens[s] = inputs.tokens(s);
                in[s] = layout(inputs.topkIdx().get(s), inputs.experts(), topology).inRank();
            }
            this.prefix = new int[ranks][ranks];
            for (int d = 0; d < ranks; d++) {
                int sum = 0;
                for (int s = 0; s < ranks; s++) {
                    sum += before(s, d, 0, tokens[s]);
                    prefix[s][d] = sum;
                }
            }
            this.row = new int[ranks][ranks][];
            for (int s = 0; s < ranks; s++) {
                for (int d = 0; d < ranks; d++) {
                    row[s][d] = new int[tokens[s]];
                    final int offset = s == 0 ? 0 : prefix[s - 1][d];
                    for (int t = 0; t < tokens[s]; t++) {
                        row[s][d][t] = in[s][t][d] ? offset + before(s, d, 0, t) : -1;
                    }
                }
            }
        }

        /**
         * @return the group.
         */
        public Topology topology() {
            return topology;
        }

        /**
         * @return C.
         */
        public int channels() {
            return channels;
        }

        /**
         * @param s rank.
         * @return T of s.
         */
        public int tokens(final int s) {
            return tokens[s];
        }

        /**
         * @param s sender.
         * @param t token.
         * @param d destination rank.
         * @return whether s's token t goes to d.
         */
        public boolean goes(final int s, final int t, final int d) {
            return in[s][t][d];
        }

        /**
         * @param s sender.
         * @param t token.
         * @param j node.
         * @return whether s's token t goes to some rank of node j.
         */
        public boolean goesToNode(final int s, final int t, final int j) {
            final int g = topology.gpusPerNode();
            for (int m = 0; m < g; m++) {
                if (in[s][t][j * g + m]) {
                    return true;
                }
            }
            return false;
        }

        /**
         * @param s    sender.
         * @param d    destination.
         * @param from first token.
         * @param to   end token (exclusive).
         * @return tokens of s in [from, to) going to d.
         */
        public int before(final int s, final int d, final int from, final int to) {
            int n = 0;
            for (int t = from; t < to; t++) {
                if (in[s][t][d]) {
                    n++;
                }
            }
            return n;
        }

        /**
         * @param s    sender.
         * @param j    node.
         * @param from first token.
         * @param to   end token (exclusive).
         * @return tokens of s in [from, to) going to node j.
         */
        public int beforeToNode(final int s, final int j, final int from, final int to) {
            int n = 0;
            for (int t = from; t < to; t++) {
                if (goesToNode(s, t, j)) {
                    n++;
                }
            }
            return n;
        }

        /**
         * @param s sender.
         * @param c channel.
         * @return first token of channel c of s.
         */
        public int chanStart(final int s, final int c) {
            final int q = (tokens[s] + channels - 1) / channels;
            return Math.min(q * c, tokens[s]);
        }

        /**
         * @param s sender.
         * @param c channel.
         * @return end token (exclusive) of channel c of s.
         */
        public int chanEnd(final int s, final int c) {
            final int q = (tokens[s] + channels - 1) / channels;
            return Math.min(chanStart(s, c) + q, tokens[s]);
        }

        /**
         * @param s sender.
         * @param t token.
         * @return the channel owning token t of s.
         */
        public int channelOf(final int s, final int t) {
            for (int c = 0; c < channels; c++) {
                if (t >= chanStart(s, c) && t < chanEnd(s, c)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("token " + t + " of rank " + s + " is in no channel");
        }

        /**
         * @param s sender.
         * @param d destination.
         * @return P[s][d], the inclusive prefix over sources of tokens to d.
         */
        public int prefix(final int s, final int d) {
            return prefix[s][d];
        }

        /**
         * @param s sender.
         * @param t token.
         * @param d destination.
         * @return the row of (s, t) in d's recv tensors, or -1.
         */
        public int rowAt(final int s, final int t, final int d) {
            return row[s][d][t];
        }

        /**
         * @param d destination.
         * @return Nr of d.
         */
        public int received(final int d) {
            return prefix[topology.ranks() - 1][d];
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // normal dispatch

    /** What one rank must get from a normal dispatch (tensors as the contract fixes them). */
    public static final class DispatchExpected {
        /** Nr. */
        public int numRecv;
        /** recv_x [rows, H]. */
        public HostTensor recvX;
        /** recv_x_scales [rows, S'] or null. */
        public HostTensor recvScales;
        /** INT64 [rows, K]. */
        public HostTensor recvTopkIdx;
        /** FLOAT32 [rows, K]. */
        public HostTensor recvTopkWeights;
        /** Aligned per-local-expert counts. */
        public int[] perExpert;
        /** INT32 [rows]. */
        public HostTensor recvSrcIdx;
        /** INT32 [R, R]. */
        public HostTensor rankPrefix;
        /** INT32 [R, C] sender side. */
        public HostTensor channelPrefix;
        /** INT32 [R, C] receiver side. */
        public HostTensor recvChannelPrefix;
        /** INT32 [T, R]. */
        public HostTensor sendHead;
        /** BOOL [T, R]. */
        public HostTensor isTokenInRank;
        /** UINT8 [rows, 8] (internode). */
        public HostTensor recvSrcMeta;
        /** INT32 [T, N] (internode). */
        public HostTensor sendRdmaHead;
        /** INT32 [N_rdma_recv, G] (internode). */
        public HostTensor sendNvlHead;
        /** INT32 [N, C] sender side, tokens to each node (internode, DeepEP §5.4). */
        public HostTensor rdmaChannelPrefix;
        /** INT32 [R, C] sender side, tokens to each rank (internode, DeepEP §5.4). */
        public HostTensor gblChannelPrefix;
        /** INT32 [N, C] (internode, DeepEP §5.6: end prefix of source (i, my GPU) towards my node). */
        public HostTensor recvRdmaChannelPrefix;
        /** INT32 [N] (internode, DeepEP §5.4). */
        public HostTensor recvRdmaRankPrefixSum;
        /** INT32 [R] (internode, DeepEP §5.4). */
        public HostTensor recvGblRankPrefixSum;
        /** INT32 [R, C] (internode, DeepEP §5.6: absolute start row of each (source, channel) block). */
        public HostTensor recvGblChannelPrefix;
    }

    /**
     * @param inputs    all ranks' inputs (the top-k of every rank is used for routing even when the dispatch is
     *                  made without top-k).
     * @param routes    routes of the same inputs.
     * @param me        the receiving rank.
     * @param alignment expert alignment.
     * @param worstRows numWorstTokens (0 = exact allocation).
     * @return the expected outputs of rank {@code me}.
     */
    public static DispatchExpected dispatch(final NormalInputs inputs, final Routes routes, final int me,
        final int alignment, final int worstRows) {
        final Topology topo = inputs.topology();
        final int ranks = topo.ranks();
        final int h = inputs.hidden();
        final int k = inputs.topK();
        final int local = inputs.experts() / ranks;
        final int c = routes.channels();
        final int nr = routes.received(me);
        final int rows = worstRows > 0 ? worstRows : nr;
        final DispatchExpected out = new DispatchExpected();
        out.numRecv = nr;
        final HostTensor x0 = inputs.x().get(0);
        out.recvX = HostTensor.zeros(x0.dtype(), rows, h);
        final HostTensor s0 = inputs.scales().get(0);
        out.recvScales = s0 == null ? null : HostTensor.zeros(s0.dtype(), rows, s0.dim(1));
        out.recvTopkIdx = HostTensor.zeros(DType.INT64, rows, k);
        out.recvTopkWeights = HostTensor.zeros(DType.FLOAT32, rows, k);
        out.recvSrcIdx = HostTensor.zeros(DType.INT32, rows);
        for (long i = 0; i < out.recvTopkIdx.numel(); i++) {
            out.recvTopkIdx.setLong(i, -1);
        }
        for (int i = 0; i < rows; i++) {
            out.recvSrcIdx.setInt(i, -1);
        }
        int n = 0;
        for (int s = 0; s < ranks; s++) {
            final HostTensor xs = inputs.x().get(s);
            final HostTensor ss = inputs.scales().get(s);
            final HostTensor idx = inputs.topkIdx().get(s);
            final HostTensor w = inputs.topkWeights().get(s);
            for (int t = 0; t < routes.tokens(s); t++) {
                if (!routes.goes(s, t, me)) {
                    continue;
                }
                if (routes.rowAt(s, t, me) != n) {
                    throw new IllegalStateException("reference rows disagree for (" + s + ", " + t + ")");
                }
                copyRow(xs, t, out.recvX, n);
                if (ss != null) {
                    copyRow(ss, t, out.recvScales, n);
                }
                out.recvSrcIdx.setInt(n, t);
                for (int j = 0; j < k; j++) {
                    final long e = idx.getIntegral((long) t * k + j);
                    final boolean mine = e >= (long) me * local && e < (long) (me + 1) * local;
                    out.recvTopkIdx.setLong((long) n * k + j, mine ? e - (long) me * local : -1);
                    out.recvTopkWeights.setFloat((long) n * k + j, mine && w != null ? w.getFloat((long) t * k + j)
                        : 0f);
                }
                n++;
            }
        }
        out.perExpert = new int[local];
        for (int i = 0; i < local; i++) {
            int sum = 0;
            for (int s = 0; s < ranks; s++) {
                final HostTensor idx = inputs.topkIdx().get(s);
                for (long j = 0; j < idx.numel(); j++) {
                    if (idx.getIntegral(j) == (long) me * local + i) {
                        sum++;
                    }
                }
            }
            out.perExpert[i] = (sum + alignment - 1) / alignment * alignment;
        }
        final int[][] rankPrefix = new int[ranks][ranks];
        for (int s = 0; s < ranks; s++) {
            for (int d = 0; d < ranks; d++) {
                rankPrefix[s][d] = routes.prefix(s, d);
            }
        }
        out.rankPrefix = ContractSupport.int32(rankPrefix, ranks);
        final int[][] chan = new int[ranks][c];
        final int[][] recvChan = new int[ranks][c];
        for (int d = 0; d < ranks; d++) {
            for (int ch = 0; ch < c; ch++) {
                chan[d][ch] = routes.before(me, d, 0, routes.chanEnd(me, ch));
                recvChan[d][ch] = routes.before(d, me, 0, routes.chanStart(d, ch));
            }
        }
        out.channelPrefix = ContractSupport.int32(chan, c);
        out.recvChannelPrefix = ContractSupport.int32(recvChan, c);
        final int myTokens = routes.tokens(me);
        final int[][] head = new int[myTokens][ranks];
        final boolean[][] inRank = new boolean[myTokens][ranks];
        for (int t = 0; t < myTokens; t++) {
            final int start = routes.chanStart(me, routes.channelOf(me, t));
            for (int d = 0; d < ranks; d++) {
                inRank[t][d] = routes.goes(me, t, d);
                head[t][d] = inRank[t][d] ? routes.before(me, d, start, t) : -1;
            }
        }
        out.sendHead = ContractSupport.int32(head, ranks);
        out.isTokenInRank = ContractSupport.bool(inRank, ranks);
        if (topo.isInternode()) {
            internode(routes, me, rows, out);
        }
        return out;
    }

    private static void internode(final Routes routes, final int me, final int rows, final DispatchExpected out) {
        final Topology topo = routes.topology();
        final int ranks = topo.ranks();
        final int nodes = topo.nodes();
        final int g = topo.gpusPerNode();
        final int c = routes.channels();
        final int myNode = me / g;
        final int myLocal = me % g;
        // recv_src_meta: source node, then the mask of my node's ranks the token goes to
        out.recvSrcMeta = HostTensor.zeros(DType.UINT8, rows, 8);
        for (int s = 0; s < ranks; s++) {
            for (int t = 0; t < routes.tokens(s); t++) {
                final int row = routes.rowAt(s, t, me);
                if (row < 0) {
                    continue;
                }
                int mask = 0;
                for (int m = 0; m < g; m++) {
                    if (routes.goes(s, t, myNode * g + m)) {
                        mask |= 1 << m;
                    }
                }
                putLe(out.recvSrcMeta, (long) row * 8, s / g);
                putLe(out.recvSrcMeta, (long) row * 8 + 4, mask);
            }
        }
        // send_rdma_head[t][j]: position of t in its channel's stream to node j
        final int myTokens = routes.tokens(me);
        final int[][] rdmaHead = new int[myTokens][nodes];
        for (int t = 0; t < myTokens; t++) {
            final int start = routes.chanStart(me, routes.channelOf(me, t));
            for (int j = 0; j < nodes; j++) {
                rdmaHead[t][j] = routes.goesToNode(me, t, j) ? routes.beforeToNode(me, j, start, t) : -1;
            }
        }
        out.sendRdmaHead = ContractSupport.int32(rdmaHead, nodes);
        // send_nvl_head: rows that reached me (the forwarder (myNode, myLocal)) over RDMA, from ranks (i, myLocal)
        // in order source node, token; per destination m: position in the (channel, m) stream in that order
        int rdmaRows = 0;
        for (int i = 0; i < nodes; i++) {
            rdmaRows += routes.beforeToNode(i * g + myLocal, myNode, 0, routes.tokens(i * g + myLocal));
        }
        final int[][] nvlHead = new int[rdmaRows][g];
        int row = 0;
        for (int i = 0; i < nodes; i++) {
            final int s = i * g + myLocal;
            for (int t = 0; t < routes.tokens(s); t++) {
                if (!routes.goesToNode(s, t, myNode)) {
                    continue;
                }
                final int ch = routes.channelOf(s, t);
                for (int m = 0; m < g; m++) {
                    final int d = myNode * g + m;
                    if (!routes.goes(s, t, d)) {
                        nvlHead[row][m] = -1;
                        continue;
                    }
                    int pos = 0;
                    for (int i2 = 0; i2 <= i; i2++) {
                        final int s2 = i2 * g + myLocal;
                        final int end = i2 < i ? routes.chanEnd(s2, ch) : t;
                        pos += routes.before(s2, d, routes.chanStart(s2, ch), Math.max(end, routes.chanStart(s2, ch)));
                    }
                    nvlHead[row][m] = pos;
                }
                row++;
            }
        }
        out.sendNvlHead = ContractSupport.int32(nvlHead, g);
        // DeepEP-derived prefix matrices (semantics.md §5.4 / §5.6)
        final int[][] rdmaChan = new int[nodes][c];
        final int[][] recvRdmaChan = new int[nodes][c];
        final int[] recvRdmaRank = new int[nodes];
        int sum = 0;
        for (int j = 0; j < nodes; j++) {
            final int src = j * g + myLocal;
            for (int ch = 0; ch < c; ch++) {
                rdmaChan[j][ch] = routes.beforeToNode(me, j, 0, routes.chanEnd(me, ch));
                recvRdmaChan[j][ch] = routes.beforeToNode(src, myNode, 0, routes.chanEnd(src, ch));
            }
            sum += routes.beforeToNode(src, myNode, 0, routes.tokens(src));
            recvRdmaRank[j] = sum;
        }
        out.rdmaChannelPrefix = ContractSupport.int32(rdmaChan, c);
        out.recvRdmaChannelPrefix = ContractSupport.int32(recvRdmaChan, c);
        out.recvRdmaRankPrefixSum = ContractSupport.int32(recvRdmaRank);
        out.gblChannelPrefix = out.channelPrefix;
        final int[] gblRank = new int[ranks];
        final int[][] recvGblChan = new int[ranks][c];
        for (int s = 0; s < ranks; s++) {
            gblRank[s] = routes.prefix(s, me);
            final int offset = s == 0 ? 0 : routes.prefix(s - 1, me);
            for (int ch = 0; ch < c; ch++) {
                recvGblChan[s][ch] = offset + routes.before(s, me, 0, routes.chanStart(s, ch));
            }
        }
        out.recvGblRankPrefixSum = ContractSupport.int32(gblRank);
        out.recvGblChannelPrefix = ContractSupport.int32(recvGblChan, c);
    }

    private static void putLe(final HostTensor bytes, final long at, final int v) {
        for (int b = 0; b < 4; b++) {
            bytes.setByte(at + b, (byte) (v >>> (8 * b)));
        }
    }

    private static void copyRow(final HostTensor src, final int srcRow, final HostTensor dst, final int dstRow) {
        final long w = src.dim(1);
        final int bytes = src.dtype().byteSize();
        for (long i = 0; i < w; i++) {
            final long a = srcRow * w + i;
            final long b = dstRow * w + i;
            switch (bytes) {
                case 1:
                    dst.setByte(b, src.getByte(a));
                    break;
                case 2:
                    dst.setShort(b, src.getShort(a));
                    break;
                default:
                    dst.setInt(b, src.getInt(a));
                    break;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // normal combine

    /**
     * The combine of the original owner {@code me}: float32 accumulation from 0, biases first, then ranks
     * ascending (intranode) or per-node BF16-rounded partials, nodes ascending (internode); one RNE rounding.
     *
     * @param routes    the dispatch's routes.
     * @param me        the original owner.
     * @param expertOut per rank: BF16 [rows_r, H] combine input.
     * @param weightsIn per rank: FLOAT32 [rows_r, K] or null (no weights).
     * @param bias0     BF16 [T, H] or null.
     * @param bias1     BF16 [T, H] or null.
     * @return {combined BF16 [T, H], combined weights FLOAT32 [T, K] or null}.
     */
    public static HostTensor[] combine(final Routes routes, final int me, final List<HostTensor> expertOut,
        final List<HostTensor> weightsIn, final HostTensor bias0, final HostTensor bias1) {
        final Topology topo = routes.topology();
        final int g = topo.gpusPerNode();
        final int h = (int) expertOut.get(0).dim(1);
        final int tokens = routes.tokens(me);
        final HostTensor out = HostTensor.zeros(DType.BF16, tokens, h);
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < h; e++) {
                float acc = 0f;
                if (bias0 != null) {
                    acc += bf16ToFloat(bias0.getShort((long) t * h + e));
                }
                if (bias1 != null) {
                    acc += bf16ToFloat(bias1.getShort((long) t * h + e));
                }
                if (!topo.isInternode()) {
                    for (int r = 0; r < topo.ranks(); r++) {
                        final int row = routes.rowAt(me, t, r);
                        if (row >= 0) {
                            acc += bf16ToFloat(expertOut.get(r).getShort((long) row * h + e));
                        }
                    }
                } else {
                    for (int j = 0; j < topo.nodes(); j++) {
                        float partial = 0f;
                        boolean any = false;
                        for (int m = 0; m < g; m++) {
                            final int r = j * g + m;
                            final int row = routes.rowAt(me, t, r);
                            if (row >= 0) {
                                partial += bf16ToFloat(expertOut.get(r).getShort((long) row * h + e));
                                any = true;
                            }
                        }
                        if (any) {
                            acc += bf16ToFloat(floatToBf16(partial));
                        }
                    }
                }
                out.setShort((long) t * h + e, floatToBf16(acc));
            }
        }
        if (weightsIn == null) {
            return new HostTensor[] {out, null};
        }
        final int k = (int) weightsIn.get(0).dim(1);
        final HostTensor w = HostTensor.zeros(DType.FLOAT32, tokens, k);
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                float acc = 0f;
                for (int n = 0; n < topo.nodes(); n++) {
                    float partial = 0f;
                    boolean any = false;
                    for (int m = 0; m < g; m++) {
                        final int r = n * g + m;
                        final int row = routes.rowAt(me, t, r);
                        if (row >= 0) {
                            partial += weightsIn.get(r).getFloat((long) row * k + j);
                            any = true;
                        }
                    }
                    if (!topo.isInternode()) {
                        acc = partial; // one node: the ranks ascending, from 0, are the whole sum
                    } else if (any) {
                        acc += partial;
                    }
                }
                w.setFloat((long) t * k + j, acc);
            }
        }
        return new HostTensor[] {out, w};
    }

    // ------------------------------------------------------------------------------------------------------------
    // low-latency

    /**
     * All ranks' inputs of one low-latency dispatch.
     *
     * @param topology    the group.
     * @param experts     E.
     * @param hidden      H.
     * @param maxTokens   T_max.
     * @param x           per rank BF16 [T_r, H].
     * @param topkIdx     per rank INT64 [T_r, K] (distinct ids per row, -1 = masked).
     * @param topkWeights per rank FLOAT32 [T_r, K].
     */
    public record LlInputs(Topology topology, int experts, int hidden, int maxTokens, List<HostTensor> x,
        List<HostTensor> topkIdx, List<HostTensor> topkWeights) {

        /**
         * @return E_loc.
         */
        public int local() {
            return experts / topology.ranks();
        }

        /**
         * @return R * T_max.
         */
        public int slots() {
            return topology.ranks() * maxTokens;
        }

        /**
         * @param s sender.
         * @param t token.
         * @param g global expert.
         * @return whether s's token t selects g.
         */
        public boolean selects(final int s, final int t, final int g) {
            final HostTensor idx = topkIdx.get(s);
            final long k = idx.dim(1);
            for (long j = 0; j < k; j++) {
                if (idx.getIntegral(t * k + j) == g) {
                    return true;
                }
            }
            return false;
        }

        /**
         * @param s rank.
         * @return T of s.
         */
        public int tokens(final int s) {
            return (int) x.get(s).dim(0);
        }
    }

    /** What one rank must get from a low-latency dispatch. */
    public static final class LlExpected {
        /** [E_loc, R*T_max, H] BF16 or FP8. */
        public HostTensor recvX;
        /** FLOAT32 [E_loc, S, R*T_max] or INT32 [E_loc, S/4, R*T_max] (token-contiguous), or null. */
        public HostTensor recvScales;
        /** INT32 [E_loc]. */
        public HostTensor recvCount;
        /** INT32 [E_loc, R*T_max]. */
        public HostTensor srcInfo;
        /** INT64 [E_loc, R]. */
        public HostTensor layoutRange;
    }

    /**
     * @param in   inputs.
     * @param d    a rank.
     * @param e    local expert of d.
     * @param s    source rank.
     * @return first packed row of source s's block in (d, e).
     */
    static int llBegin(final LlInputs in, final int d, final int e, final int s) {
        final int g = d * in.local() + e;
        int begin = 0;
        for (int s2 = 0; s2 < s; s2++) {
            for (int t = 0; t < in.tokens(s2); t++) {
                if (in.selects(s2, t, g)) {
                    begin++;
                }
            }
        }
        return begin;
    }

    /**
     * @param in         inputs.
     * @param me         receiving rank.
     * @param fp8        cast to FP8.
     * @param roundScale power-of-two scales.
     * @param ue8m0      packed UE8M0 scales.
     * @return the expected packed outputs of {@code me}.
     */
    public static LlExpected llDispatch(final LlInputs in, final int me, final boolean fp8, final boolean roundScale,
        final boolean ue8m0) {
        final int ranks = in.topology().ranks();
        final int local = in.local();
        final int slots = in.slots();
        final int h = in.hidden();
        final LlExpected out = new LlExpected();
        out.recvX = HostTensor.zeros(fp8 ? DType.FP8_E4M3 : DType.BF16, local, slots, h);
        final int sw = ue8m0 ? h / 512 : h / 128;
        out.recvScales = fp8 ? HostTensor.zeros(ue8m0 ? DType.INT32 : DType.FLOAT32, local, sw, slots) : null;
        out.recvCount = HostTensor.zeros(DType.INT32, local);
        out.srcInfo = HostTensor.zeros(DType.INT32, local, slots);
        out.layoutRange = HostTensor.zeros(DType.INT64, local, ranks);
        for (long i = 0; i < out.srcInfo.numel(); i++) {
            out.srcInfo.setInt(i, -1);
        }
        final Fp8Tensor[] cast = new Fp8Tensor[ranks];
        if (fp8) {
            for (int s = 0; s < ranks; s++) {
                cast[s] = Fp8Quantizer.quantize(in.x().get(s), roundScale, ue8m0);
            }
        }
        for (int e = 0; e < local; e++) {
            final int g = me * local + e;
            int row = 0;
            for (int s = 0; s < ranks; s++) {
                final int begin = row;
                for (int t = 0; t < in.tokens(s); t++) {
                    if (!in.selects(s, t, g)) {
                        continue;
                    }
                    out.srcInfo.setInt((long) e * slots + row, t);
                    final long dst = ((long) e * slots + row) * h;
                    for (int i = 0; i < h; i++) {
                        if (fp8) {
                            out.recvX.setByte(dst + i, cast[s].data().getByte((long) t * h + i));
                        } else {
                            out.recvX.setShort(dst + i, in.x().get(s).getShort((long) t * h + i));
                        }
                    }
                    for (int q = 0; fp8 && q < sw; q++) {
                        final long at = ((long) e * sw + q) * slots + row;
                        if (ue8m0) {
                            out.recvScales.setInt(at, cast[s].scales().getInt((long) t * sw + q));
                        } else {
                            out.recvScales.setFloat(at, cast[s].scales().getFloat((long) t * sw + q));
                        }
                    }
                    row++;
                }
                out.layoutRange.setLong((long) e * ranks + s, ((long) begin << 32) | (row - begin));
            }
            out.recvCount.setInt(e, row);
        }
        return out;
    }

    /**
     * The low-latency combine of rank {@code me}: per token, {@code acc = fma(w, v, acc)} over k ascending from
     * {@code acc = 0} (masked entries skipped), one RNE rounding.
     *
     * @param in        the dispatch's inputs (topk_idx and weights of the original tokens).
     * @param me        the original owner.
     * @param expertOut per rank: BF16 [E_loc, R*T_max, H] expert outputs in the packed layout.
     * @param logfmt    send the rows LogFMT-encoded (v is the decoded value).
     * @return BF16 [T_me, H].
     */
    public static HostTensor llCombine(final LlInputs in, final int me, final List<HostTensor> expertOut,
        final boolean logfmt) {
        final int local = in.local();
        final int h = in.hidden();
        final int tokens = in.tokens(me);
        final HostTensor idx = in.topkIdx().get(me);
        final HostTensor w = in.topkWeights().get(me);
        final int k = (int) idx.dim(1);
        final HostTensor out = HostTensor.zeros(DType.BF16, tokens, h);
        final float[] acc = new float[h];
        final float[] v = new float[h];
        final short[] bits = new short[h];
        final byte[] wire = new byte[LogFmt.maxBytes(h)];
        for (int t = 0; t < tokens; t++) {
            java.util.Arrays.fill(acc, 0f);
            for (int j = 0; j < k; j++) {
                final long g = idx.getIntegral((long) t * k + j);
                if (g < 0) {
                    continue;
                }
                final int d = (int) g / local;
                final int e = (int) g % local;
                int row = llBegin(in, d, e, me);
                for (int t2 = 0; t2 < t; t2++) {
                    if (in.selects(me, t2, (int) g)) {
                        row++;
                    }
                }
                final HostTensor x = expertOut.get(d);
                final long base = ((long) e * in.slots() + row) * h;
                for (int i = 0; i < h; i++) {
                    bits[i] = x.getShort(base + i);
                    v[i] = bf16ToFloat(bits[i]);
                }
                if (logfmt) {
                    LogFmt.encode(bits, 0, h, wire, 0);
                    LogFmt.decode(wire, 0, h, v, 0);
                }
                final float weight = w.getFloat((long) t * k + j);
                for (int i = 0; i < h; i++) {
                    acc[i] = Math.fma(weight, v[i], acc[i]);
                }
            }
            for (int i = 0; i < h; i++) {
                out.setShort((long) t * h + i, floatToBf16(acc[i]));
            }
        }
        return out;
    }
}
