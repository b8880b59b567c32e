package dev.ep4j.sim.pipeline;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TraceSink;
import dev.ep4j.sim.timing.Traffic;
import java.util.Arrays;

/**
 * Normal internode dispatch (semantics.md §5.6): per channel {@code c} of rank {@code x = (i, n)}, block 2c+1 sends
 * over RDMA and receives over NVLink, block 2c forwards (512 threads each).
 *
 * <ul>
 *   <li><b>RDMA sender</b> (7 warps): walks the channel's tokens in order and copies each token's record into the send
 *       slot of every destination node it goes to (deduplicated per node), each slot only while that node's ring has
 *       room ({@code rdmaRecvTokens}); for the own node straight into the own receive ring. One stage over the
 *       channel's tokens, writing the nodes' rings in proportion.</li>
 *   <li><b>RDMA puts</b> (coordinator warp): per remote node, every {@code rdmaChunkTokens} copied records (or the
 *       rest) one put through x's PCIe and NIC to the same-rail GPU {@code (j, n)} of node j, then the tail; the tail
 *       is visible there one RDMA latency after the last byte.</li>
 *   <li><b>Forwarders</b> (rank {@code y = (j, n)}, one warp per destination GPU m of node j): take the records that
 *       arrived from every source node in arrival order, copy those for m into m's NVL ring (a chunk reserved before
 *       each round, the tail published after each round or when no record is left), and report how far they got in
 *       each RDMA ring; the coordinator returns RDMA credits to the source when the slowest warp advanced a chunk.</li>
 *   <li><b>NVL receivers</b> (on m, one warp per forwarder): copy what is visible into the output.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per prediction.
 */
final class InternodeDispatch extends Kernel {
    private static final int WARPS = 16;

    InternodeDispatch(final TimingCase c, final TraceSink trace, final int maxSteps) {
        super(c, trace, maxSteps);
    }

    @Override
    String label() {
        return "normal internode dispatch";
    }

    @Override
    void build() {
        final Traffic t = c.traffic();
        final KernelConfig cfg = c.config();
        final int ch = cfg.channels();
        final int nodes = shape.nodes();
        final int g = shape.gpusPerNode();
        final double rec = Accounting.recordBytes(c);
        final double tr = cfg.rdmaRecvTokens();
        final int rchunk = cfg.rdmaChunkTokens();
        final double tn = cfg.nvlRecvTokens();
        final int nchunk = cfg.nvlChunkTokens();
        // RDMA rings [channel][source rank][destination node]
        final Ring[][][] rdma = new Ring[ch][ranks][nodes];
        for (int x = 0; x < ranks; x++) {
            final int i = shape.nodeOf(x);
            final int local = shape.localOf(x);
            for (int k = 0; k < ch; k++) {
                final int tc = Intranode.channelTokens(t.tokens(x), ch, k);
                final double[] n = new double[nodes];
                double sum = 0;
                for (int j = 0; j < nodes; j++) {
                    n[j] = t.nodeTokens(x, j, k);
                    sum += n[j];
                }
                if (sum == 0 || tc == 0) {
                    continue;
                }
                final int snd = smCopy(x, k, "sender", WARPS);
                final Ports.Feed[] feeds = new Ports.Feed[nodes];
                final Ring[] out = new Ring[nodes];
                for (int j = 0; j < nodes; j++) {
                    final int y = shape.rankOf(j, local);
                    final long lat = j == i ? hw.localFlagPs : hw.rdmaPs;
                    out[j] = ring("RDMA ring (dispatch, channel " + k + ", gpu" + x + " -> gpu" + y + ")", tr, n[j],
                        lat, lat);
                    rdma[k][x][j] = out[j];
                    if (j != i && n[j] > 0) {
                        feeds[j] = new Ports.Feed();
                    }
                }
                final double step = step(maxNode(n), rchunk, tr);
                final Pipe copy = new Pipe(this, "ch" + k + " rdma sender", x, tc, sum * rec / tc, new int[] {snd},
                    snd).output(new Ports.MultiOut(out, n, tc, step, feeds));
                for (int j = 0; j < nodes; j++) {
                    out[j].producer(copy);
                    if (feeds[j] != null) {
                        final int y = shape.rankOf(j, local);
                        final Pipe put = new Pipe(this, "ch" + k + " rdma put -> gpu" + y, x, n[j], rec,
                            rdmaPath(x, y), -1).input(new Ports.FeedIn(feeds[j]))
                            .output(new Ports.RingOut(out[j], rchunk, step, false, false));
                        feeds[j].consumer(put);
                        feeds[j].producer(copy, n[j] / tc);
                        out[j].tailProducer(put, 1);
                    } else if (n[j] > 0) {
                        out[j].tailProducer(copy, n[j] / tc);
                    }
                }
            }
        }
        // forwarders and NVL receivers
        for (int y = 0; y < ranks; y++) {
            final int j = shape.nodeOf(y);
            final int local = shape.localOf(y);
            for (int k = 0; k < ch; k++) {
                final Ring[] in = new Ring[nodes];
                final double[] inTotal = new double[nodes];
                final double[][] frac = new double[nodes][g];
                final double[] fwdTotal = new double[g];
                boolean any = false;
                for (int i = 0; i < nodes; i++) {
                    final int src = shape.rankOf(i, local);
                    in[i] = rdma[k][src][j];
                    inTotal[i] = in[i] == null ? 0 : in[i].total();
                    for (int m = 0; m < g; m++) {
                        final double v = t.tokens(src, shape.rankOf(j, m), k);
                        frac[i][m] = inTotal[i] > 0 ? v / inTotal[i] : 0;
                        fwdTotal[m] += v;
                    }
                    any |= inTotal[i] > 0;
                }
                if (!any) {
                    continue;
                }
                final Hub hub = new Hub(in, inTotal, frac, rchunk, tr);
                final int fwd = smCopy(y, k, "forwarder", WARPS);
                final int push = smPush(y, k, "forwarder");
                for (int m = 0; m < g; m++) {
                    if (fwdTotal[m] == 0) {
                        continue;
                    }
                    final int dst = shape.rankOf(j, m);
                    final long flag = flagPs(y, dst);
                    final Ring nvl = ring("NVL ring (dispatch, channel " + k + ", forwarder gpu" + y + " -> gpu" + dst
                        + ")", tn, fwdTotal[m], flag, flag);
                    final Pipe f = new Pipe(this, "ch" + k + " forwarder -> gpu" + dst, y, fwdTotal[m], rec,
                        nvlPath(y, dst, fwd, push), push)
                        .output(new Ports.RingOut(nvl, nchunk, step(fwdTotal[m], nchunk, tn), true, true));
                    f.input(hub.warp(m, f));
                    nvl.producer(f);
                    nvl.tailProducer(f, 1);
                    final int rcv = smCopy(dst, k, "sender", WARPS);
                    final Pipe r = new Pipe(this, "ch" + k + " nvl receiver <- gpu" + y, dst, fwdTotal[m], rec,
                        new int[] {rcv}, rcv).input(new Ports.RingIn(nvl, 0));
                    nvl.consumer(r);
                }
                for (int i = 0; i < nodes; i++) {
                    if (in[i] != null) {
                        in[i].consumer(hub);
                    }
                }
            }
        }
    }

    private static double maxNode(final double[] n) {
        double m = 0;
        for (final double v : n) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * The forwarder block of one (rank, channel): the RDMA rings it reads (one per source node), the arrival-ordered
     * work of each forwarder warp, and the coordinator that returns RDMA credits (the slowest warp's position in each
     * ring, in {@code rdmaChunkTokens} steps).
     */
    private static final class Hub implements Wakeable {
        private final Ring[] rings;
        private final double[] total;
        private final double[][] frac;
        private final double quantum;
        private final double[] seen;
        private final double[] returned;
        private final Warp[] warps;
        private final double ringCapacity;

        Hub(final Ring[] rings, final double[] total, final double[][] frac, final double quantum,
            final double ringCapacity) {
            this.rings = rings;
            this.total = total;
            this.frac = frac;
            this.quantum = quantum;
            this.ringCapacity = ringCapacity;
            this.seen = new double[rings.length];
            this.returned = new double[rings.length];
            final int g = frac.length == 0 ? 0 : frac[0].length;
            this.warps = new Warp[g];
            for (int m = 0; m < g; m++) {
                warps[m] = new Warp(this, rings.length);
            }
        }

        Pipe.In warp(final int m, final Pipe p) {
            warps[m].pipe = p;
            warps[m].m = m;
            return warps[m];
        }

        @Override
        public void wake() {
            for (int i = 0; i < rings.length; i++) {
                if (rings[i] == null) {
                    continue;
                }
                final double v = rings[i].tailVisible();
                if (v > seen[i] + Ring.EPS / 2) {
                    final double d = v - seen[i];
                    seen[i] = v;
                    for (int m = 0; m < warps.length; m++) {
                        warps[m].arrive(i, v, d * frac[i][m]);
                    }
                    credit(i);
                }
            }
            for (final Warp w : warps) {
                if (w.pipe != null) {
                    w.pipe.wake();
                }
            }
        }

        void consumed(final Warp w, final int i, final double pos) {
            if (pos > w.cons[i]) {
                w.cons[i] = pos;
                credit(i);
            }
        }

        private void credit(final int i) {
            double h = Double.POSITIVE_INFINITY;
            for (final Warp w : warps) {
                h = Math.min(h, w.pipe == null || w.pipe.finished() ? seen[i] : w.cons[i]);
            }
            if (h >= total[i] - Ring.EPS || h - returned[i] >= quantum - Ring.EPS) {
                returned[i] = h;
                rings[i].publishHead(h);
            }
        }
    }

    /** One forwarder warp's input: arrival-ordered segments of records for its destination. */
    private static final class Warp implements Pipe.In {
        private final Hub hub;
        private final double[] cons;
        private Pipe pipe;
        private int m;
        private double arrived;
        private double[] end = new double[16];
        private int[] ring = new int[16];
        private double[] pos = new double[16];
        private int head;
        private int tail;

        Warp(final Hub hub, final int rings) {
            this.hub = hub;
            this.cons = new double[rings];
        }

        void arrive(final int i, final double ringPos, final double amount) {
            arrived += amount;
            if (tail == end.length) {
                if (head > 0) {
                    System.arraycopy(end, head, end, 0, tail - head);
                    System.arraycopy(ring, head, ring, 0, tail - head);
                    System.arraycopy(pos, head, pos, 0, tail - head);
                    tail -= head;
                    head = 0;
                }
                if (tail == end.length) {
                    end = Arrays.copyOf(end, end.length * 2);
                    ring = Arrays.copyOf(ring, ring.length * 2);
                    pos = Arrays.copyOf(pos, pos.length * 2);
                }
            }
            end[tail] = arrived;
            ring[tail] = i;
            pos[tail] = ringPos;
            tail++;
            if (pipe == null || pipe.finished()) {
                retire(Double.POSITIVE_INFINITY);
            }
        }

        @Override
        public double limit() {
            return arrived;
        }

        @Override
        public double nextEvent(final double p) {
            return head < tail ? end[head] : Double.POSITIVE_INFINITY;
        }

        @Override
        public void consumedTo(final double p) {
            retire(p);
        }

        @Override
        public Pipe[] leaders() {
            int k = 0;
            for (int i = 0; i < hub.rings.length; i++) {
                if (hub.rings[i] != null && hub.frac[i][m] > 0 && hub.rings[i].tailProducer() != null) {
                    k++;
                }
            }
            final Pipe[] out = new Pipe[k];
            k = 0;
            for (int i = 0; i < hub.rings.length; i++) {
                if (hub.rings[i] != null && hub.frac[i][m] > 0 && hub.rings[i].tailProducer() != null) {
                    out[k++] = hub.rings[i].tailProducer();
                }
            }
            return out;
        }

        @Override
        public double[] leaderRatios() {
            int k = 0;
            for (int i = 0; i < hub.rings.length; i++) {
                if (hub.rings[i] != null && hub.frac[i][m] > 0 && hub.rings[i].tailProducer() != null) {
                    k++;
                }
            }
            final double[] out = new double[k];
            k = 0;
            for (int i = 0; i < hub.rings.length; i++) {
                if (hub.rings[i] != null && hub.frac[i][m] > 0 && hub.rings[i].tailProducer() != null) {
                    out[k++] = hub.frac[i][m] * hub.rings[i].tailRatio();
                }
            }
            return out;
        }

        @Override
        public boolean sumLeaders() {
            return true;
        }

        @Override
        public double headPeriod() {
            return Math.max(1, hub.ringCapacity / 8);
        }

        private void retire(final double p) {
            while (head < tail && end[head] <= p + Ring.EPS) {
                hub.consumed(this, ring[head], pos[head]);
                head++;
            }
        }
    }
}
