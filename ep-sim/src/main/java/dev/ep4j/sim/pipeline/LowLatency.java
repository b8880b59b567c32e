package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.LowLatencyTraffic;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TraceSink;

/**
 * Low-latency dispatch and combine (semantics.md §6): one kernel of {@code ceil(E / G)} blocks of 1024 threads with a
 * send phase, a grid-wide barrier and a receive phase.
 *
 * <ul>
 *   <li><b>Send</b>: one message per valid (token, expert) selection straight to the expert's rank (combine: one row
 *       back per selection): a copy by the sending blocks into the own buffer, a store through the sending blocks'
 *       NVLink push throughput, the NVLink ports of both GPUs for a peer of the node, or a put through PCIe and both
 *       NICs for a remote rank. Dispatch first casts its tokens (the sending blocks' copy throughput). Messages from
 *       one rank to another form one stream; the counter (dispatch) or flag (combine) of that pair is written when
 *       its stream is done and seen one latency later (L2 flag, NVLink flag, RDMA hop); pairs without messages
 *       signal at once.</li>
 *   <li><b>Barrier</b>: a rank enters its receive phase when its own sends are done, plus one L2 flag latency.</li>
 *   <li><b>Receive</b>: dispatch copies each source's messages into the packed layout once that source's counter is
 *       seen; combine waits for every flag, then reduces the K rows of each token. Both on all blocks' copy
 *       throughput.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per prediction.
 */
final class LowLatency extends Kernel {
    private static final int WARPS = 32;

    LowLatency(final TimingCase c, final TraceSink trace, final int maxSteps) {
        super(c, trace, maxSteps);
    }

    @Override
    String label() {
        return "low-latency " + (c.op() == OpKind.LL_DISPATCH ? "dispatch" : "combine");
    }

    /** Opens a feed once a number of conditions have been met. */
    private static final class Gate {
        private final Ports.Feed feed = new Ports.Feed();
        private final double open;
        private int missing;

        Gate(final int needed, final double open) {
            this.missing = needed;
            this.open = open;
        }

        void arrive() {
            if (--missing == 0) {
                feed.set(open);
            }
        }
    }

    @Override
    void build() {
        final LowLatencyTraffic t = c.llTraffic();
        final boolean combine = c.op() == OpKind.LL_COMBINE;
        final double msg = Accounting.recordBytes(c);
        final double row = 2.0 * c.hidden();
        final int grid = Accounting.llGrid(t.experts(), hw.smCount);
                final Gate[] reduce = new Gate[ranks];
        final Gate[][] pair = new Gate[ranks][];
        // receive side first: gates that the senders' signals open
        for (int d = 0; d < ranks; d++) {
            final int pool = smPool(d, "ll receive", grid, WARPS);
            if (combine) {
                double rows = 0;
                for (int s = 0; s < ranks; s++) {
                    rows += t.selections(d, s);
                }
                // a rank that gets nothing back still waits for every flag: a one-byte stage marks its end
                final double tokens = rows > 0 ? rows : 1;
                reduce[d] = new Gate(ranks + 1, tokens);
                final Pipe p = new Pipe(this, "ll reduce", d, tokens, rows > 0 ? row : 1, new int[] {pool}, pool)
                    .input(new Ports.FeedIn(reduce[d].feed));
                reduce[d].feed.consumer(p);
            } else {
                pair[d] = new Gate[ranks];
                for (int s = 0; s < ranks; s++) {
                    final int n = t.selections(s, d);
                    if (n == 0) {
                        continue;
                    }
                    pair[d][s] = new Gate(2, n);
                    final Pipe p = new Pipe(this, "ll receive <- gpu" + s, d, n, msg, new int[] {pool}, pool)
                        .input(new Ports.FeedIn(pair[d][s].feed));
                    pair[d][s].feed.consumer(p);
                }
            }
        }
        for (int s = 0; s < ranks; s++) {
            final int src = s;
            final int blocks = Math.max(1, combine ? grid : Math.min(grid, t.tokens(s)));
            final int pool = smPool(s, "ll send", blocks, WARPS);
            final int push = smPushPool(s, "ll send", blocks);
            int sends = 0;
            final double[] sel = new double[ranks];
            for (int d = 0; d < ranks; d++) {
                sel[d] = combine ? t.selections(d, s) : t.selections(s, d);
                sends += sel[d] > 0 ? 1 : 0;
            }
            final boolean cast = !combine && t.tokens(s) > 0;
            final int[] left = {sends + (cast ? 1 : 0)};
            final Runnable sent = () -> {
                if (--left[0] == 0) {
                    after(hw.localFlagPs, () -> barrierDone(src, combine, reduce, pair));
                }
            };
            if (left[0] == 0) {
                after(0, () -> barrierDone(src, combine, reduce, pair));
            }
            if (cast) {
                new Pipe(this, "ll cast", s, t.tokens(s), msg, new int[] {pool}, pool).onDone(sent);
            }
            for (int d = 0; d < ranks; d++) {
                final int dst = d;
                final long lat = s == d ? hw.localFlagPs : shape.sameNode(s, d) ? hw.nvlFlagPs : hw.rdmaPs;
                final Runnable signal = () -> after(lat, () -> signalled(src, dst, combine, reduce, pair));
                if (sel[d] == 0) {
                    after(0, signal);
                    continue;
                }
                final int[] path;
                if (s == d) {
                    path = new int[] {pool};
                } else if (shape.sameNode(s, d)) {
                    path = new int[] {pool, push, nvlTx(s), nvlRx(d)};
                } else if (combine) {
                    path = concat(pool, rdmaPath(s, d));
                } else {
                    path = rdmaPath(s, d);
                }
                new Pipe(this, "ll send -> gpu" + d, s, sel[d], msg, path, s == d || shape.sameNode(s, d) ? push
                    : -1).onDone(() -> {
                        signal.run();
                        sent.run();
                    });
            }
        }
    }

    private void barrierDone(final int d, final boolean combine, final Gate[] reduce, final Gate[][] pair) {
        if (combine) {
            reduce[d].arrive();
        } else {
            for (final Gate g : pair[d]) {
                if (g != null) {
                    g.arrive();
                }
            }
        }
    }

    private void signalled(final int s, final int d, final boolean combine, final Gate[] reduce,
        final Gate[][] pair) {
        if (combine) {
            reduce[d].arrive();
        } else if (pair[d][s] != null) {
            pair[d][s].arrive();
        }
    }

    /** Runs {@code r} {@code ps} from now (at kernel start when called while building). */
    private void after(final long ps, final Runnable r) {
        final long base = Math.max(sim.nowPs(), hw.fixedPs);
        sim.schedule(base + ps, EventClass.FLAG_VISIBLE, (a, b) -> r.run(), 0L, 0L);
    }

    private static int[] concat(final int a, final int[] rest) {
        final int[] out = new int[rest.length + 1];
        out[0] = a;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
