package dev.ep4j.sim.pipeline;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TraceSink;
import dev.ep4j.sim.timing.Traffic;

/**
 * Normal internode combine (semantics.md §5.7), dispatch reversed: per channel {@code c}, block 2c holds the NVL
 * senders and the RDMA receivers, block 2c+1 the forwarders ({@code (F + 1) * 32} threads each, {@code F = nodes * W},
 * {@code W = max(24 / nodes, 1)}).
 *
 * <ul>
 *   <li><b>NVL senders</b> (expert rank {@code x = (j, m)}, one warp per forwarder {@code (j, n)}, one lane per source
 *       node i): return the rows x received from {@code (i, n)} on channel c into the forwarder's sub-ring for node i
 *       ({@code nvlRecvTokens / nodes} slots), chunk by chunk.</li>
 *   <li><b>Forwarders</b> ({@code y = (j, n)}, W warps per source node i): reduce token by token the contributions of
 *       every GPU of node j (so they consume the 8 sub-rings in proportion and return their slots), write the sum into
 *       the RDMA send slot (while the receiver's ring has room) and put every {@code rdmaChunkTokens} of them through
 *       y's PCIe and NIC to {@code (i, n)} (own node: straight into the local ring).</li>
 *   <li><b>RDMA receivers</b> (on {@code x = (i, n)}): reduce, for each own token of the channel, the rows of every
 *       node it went to, consuming the RDMA rings in proportion and returning credits a chunk at a time.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per prediction.
 */
final class InternodeCombine extends Kernel {
    InternodeCombine(final TimingCase c, final TraceSink trace, final int maxSteps) {
        super(c, trace, maxSteps);
    }

    @Override
    String label() {
        return "normal internode combine";
    }

    @Override
    void build() {
        final Traffic t = c.traffic();
        final KernelConfig cfg = c.config();
        final int ch = cfg.channels();
        final int nodes = shape.nodes();
        final int g = shape.gpusPerNode();
        final int w = Math.max(24 / nodes, 1);
        final int warps = nodes * w + 1;
        final double rec = Accounting.recordBytes(c);
        final double row = 2.0 * c.hidden();
        final double tr = cfg.rdmaRecvTokens();
        final int rchunk = cfg.rdmaChunkTokens();
        final double sub = Math.floor((double) cfg.nvlRecvTokens() / nodes);
        final int nchunk = cfg.nvlChunkTokens();
        // RDMA rings [channel][forwarder rank y][source node i]: y = (j, n) returns to (i, n)
        final Ring[][][] rdma = new Ring[ch][ranks][nodes];
        for (int y = 0; y < ranks; y++) {
            final int j = shape.nodeOf(y);
            final int n = shape.localOf(y);
            for (int k = 0; k < ch; k++) {
                final int fwd = smCopy(y, k, "forwarder", warps);
                for (int i = 0; i < nodes; i++) {
                    final int src = shape.rankOf(i, n);
                    final double tokens = t.nodeTokens(src, j, k);
                    if (tokens == 0) {
                        continue;
                    }
                    // the sub-rings of node i from every GPU of node j into y
                    final Ring[] in = new Ring[g];
                    final double[] rows = new double[g];
                    double sum = 0;
                    for (int m = 0; m < g; m++) {
                        final int x = shape.rankOf(j, m);
                        rows[m] = t.tokens(src, x, k);
                        sum += rows[m];
                        if (rows[m] == 0) {
                            in[m] = ring("unused", 1, 0, 0, 0);
                            continue;
                        }
                        final long flag = flagPs(x, y);
                        in[m] = ring("NVL sub-ring (combine, channel " + k + ", gpu" + x + " -> forwarder gpu" + y
                            + ", source node " + i + ")", sub, rows[m], flag, flag);
                        final int copy = smCopy(x, k, "sender", warps);
                        final int push = smPush(x, k, "sender");
                        final Pipe snd = new Pipe(this, "ch" + k + " nvl sender -> gpu" + y + " (node " + i + ")", x,
                            rows[m], rec, nvlPath(x, y, copy, push), push)
                            .output(new Ports.RingOut(in[m], nchunk, step(rows[m], nchunk, sub), true, false));
                        in[m].producer(snd);
                        in[m].tailProducer(snd, 1);
                    }
                    final long lat = i == j ? hw.localFlagPs : hw.rdmaPs;
                    final Ring out = ring("RDMA ring (combine, channel " + k + ", forwarder gpu" + y + " -> gpu" + src
                        + ")", tr, tokens, lat, lat);
                    rdma[k][y][i] = out;
                    final double step = step(tokens, rchunk, tr);
                    final Ports.Feed feed = i == j ? null : new Ports.Feed();
                    final Pipe red = new Pipe(this, "ch" + k + " forwarder (node " + i + ")", y, tokens,
                        sum * rec / tokens, new int[] {fwd}, fwd)
                        .input(new Ports.PropIn(in, rows, tokens, 0))
                        .output(new Ports.MultiOut(new Ring[] {out}, new double[] {tokens}, tokens, step,
                            new Ports.Feed[] {feed}));
                    for (int m = 0; m < g; m++) {
                        in[m].consumer(red);
                    }
                    out.producer(red);
                    if (feed != null) {
                        final Pipe put = new Pipe(this, "ch" + k + " rdma put -> gpu" + src, y, tokens, rec,
                            rdmaPath(y, src), -1).input(new Ports.FeedIn(feed))
                            .output(new Ports.RingOut(out, rchunk, step, false, false));
                        feed.consumer(put);
                        feed.producer(red, 1);
                        out.tailProducer(put, 1);
                    } else {
                        out.tailProducer(red, 1);
                    }
                }
            }
        }
        // RDMA receivers: own tokens of the channel, reduced over the nodes they went to
        for (int x = 0; x < ranks; x++) {
            final int n = shape.localOf(x);
            for (int k = 0; k < ch; k++) {
                final int tc = Intranode.channelTokens(t.tokens(x), ch, k);
                final Ring[] in = new Ring[nodes];
                final double[] cnt = new double[nodes];
                double sum = 0;
                for (int j = 0; j < nodes; j++) {
                    final Ring r = rdma[k][shape.rankOf(j, n)][shape.nodeOf(x)];
                    in[j] = r == null ? ring("unused", 1, 0, 0, 0) : r;
                    cnt[j] = r == null ? 0 : r.total();
                    sum += cnt[j];
                }
                if (sum == 0 || tc == 0) {
                    continue;
                }
                final int rcv = smCopy(x, k, "sender", warps);
                final Pipe red = new Pipe(this, "ch" + k + " rdma receiver", x, tc, sum * row / tc, new int[] {rcv},
                    rcv).input(new Ports.PropIn(in, cnt, tc, rchunk));
                for (final Ring r : in) {
                    r.consumer(red);
                }
            }
        }
    }
}
