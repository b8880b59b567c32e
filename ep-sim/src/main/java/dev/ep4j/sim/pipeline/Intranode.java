package dev.ep4j.sim.pipeline;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TraceSink;
import dev.ep4j.sim.timing.Traffic;

/**
 * Normal intranode dispatch and combine (semantics.md §4): per channel {@code c} of every rank, block 2c sends and
 * block 2c+1 receives (768 threads each, the sender's warps split evenly over the destinations); per (channel,
 * sender, receiver) one ring of {@code nvlRecvTokens} slots.
 *
 * <ul>
 *   <li>Dispatch sender (rank s, channel c, destination d): before each chunk it needs {@code nvlChunkTokens} free
 *       slots, copies up to a chunk of records into d's ring (its SM's copy throughput; to a peer also its NVLink
 *       push throughput, s's NVLink egress and d's ingress), then publishes the tail (visible after the NVLink flag
 *       latency). Dispatch receiver (d, c, s): copies what is visible into the output, then publishes its head.</li>
 *   <li>Combine: the expert rank returns, per channel and original owner, the rows it received there, chunk by chunk;
 *       the owner's receiver block reduces token by token over the channel's token range, each token waiting for
 *       every rank that holds a copy, so it consumes the rings in proportion and returns their slots as it goes.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per prediction.
 */
final class Intranode extends Kernel {
    private static final int WARPS = 24;

    Intranode(final TimingCase c, final TraceSink trace, final int maxSteps) {
        super(c, trace, maxSteps);
    }

    @Override
    String label() {
        return "normal intranode " + (c.op() == OpKind.DISPATCH ? "dispatch" : "combine");
    }

    @Override
    void build() {
        if (c.op() == OpKind.DISPATCH) {
            dispatch();
        } else {
            combine();
        }
    }

    private void dispatch() {
        final Traffic t = c.traffic();
        final KernelConfig cfg = c.config();
        final int ch = cfg.channels();
        final double rec = Accounting.recordBytes(c);
        final int chunk = cfg.nvlChunkTokens();
        final double cap = cfg.nvlRecvTokens();
        for (int s = 0; s < ranks; s++) {
            for (int k = 0; k < ch; k++) {
                final int copy = smCopy(s, k, "sender", WARPS);
                final int push = smPush(s, k, "sender");
                for (int d = 0; d < ranks; d++) {
                    final int n = t.tokens(s, d, k);
                    if (n == 0) {
                        continue;
                    }
                    final long flag = flagPs(s, d);
                    final Ring ring = ring("NVL ring (dispatch, channel " + k + ", gpu" + s + " -> gpu" + d + ")",
                        cap, n, flag, flag);
                    final Pipe snd = new Pipe(this, "ch" + k + " sender -> gpu" + d, s, n, rec,
                        nvlPath(s, d, copy, push), push)
                        .output(new Ports.RingOut(ring, chunk, step(n, chunk, cap), true, false));
                    final int rcv = smCopy(d, k, "receiver", WARPS);
                    final Pipe r = new Pipe(this, "ch" + k + " receiver <- gpu" + s, d, n, rec, new int[] {rcv}, rcv)
                        .input(new Ports.RingIn(ring, 0));
                    ring.producer(snd);
                    ring.tailProducer(snd, 1);
                    ring.consumer(r);
                }
            }
        }
    }

    private void combine() {
        final Traffic t = c.traffic();
        final KernelConfig cfg = c.config();
        final int ch = cfg.channels();
        final double rec = Accounting.recordBytes(c);
        final double row = 2.0 * c.hidden();
        final int chunk = cfg.nvlChunkTokens();
        final double cap = cfg.nvlRecvTokens();
        for (int d = 0; d < ranks; d++) {
            for (int k = 0; k < ch; k++) {
                final int tc = channelTokens(t.tokens(d), ch, k);
                final Ring[] in = new Ring[ranks];
                final double[] n = new double[ranks];
                double rows = 0;
                for (int e = 0; e < ranks; e++) {
                    n[e] = t.tokens(d, e, k);
                    rows += n[e];
                }
                if (rows == 0 || tc == 0) {
                    continue;
                }
                final int red = smCopy(d, k, "reducer", WARPS);
                final Pipe reducer = new Pipe(this, "ch" + k + " reducer", d, tc, rows * row / tc, new int[] {red},
                    red);
                for (int e = 0; e < ranks; e++) {
                    if (n[e] == 0) {
                        in[e] = ring("unused", 1, 0, 0, 0);
                        continue;
                    }
                    final long flag = flagPs(e, d);
                    in[e] = ring("NVL ring (combine, channel " + k + ", gpu" + e + " -> gpu" + d + ")", cap, n[e],
                        flag, flag);
                    final int copy = smCopy(e, k, "sender", WARPS);
                    final int push = smPush(e, k, "sender");
                    final Pipe snd = new Pipe(this, "ch" + k + " sender -> gpu" + d, e, n[e], rec,
                        nvlPath(e, d, copy, push), push)
                        .output(new Ports.RingOut(in[e], chunk, step(n[e], chunk, cap), true, false));
                    in[e].producer(snd);
                    in[e].tailProducer(snd, 1);
                    in[e].consumer(reducer);
                }
                reducer.input(new Ports.PropIn(in, n, tc, 0));
            }
        }
    }

    /**
     * @param tokens tokens of the rank.
     * @param ch     channels.
     * @param k      a channel.
     * @return tokens of channel {@code k}: {@code [min(q k, T), min(q k + q, T))} with {@code q = ceil(T / ch)}.
     */
    static int channelTokens(final int tokens, final int ch, final int k) {
        final int q = (tokens + ch - 1) / ch;
        final int start = Math.min(q * k, tokens);
        return Math.min(start + q, tokens) - start;
    }
}
