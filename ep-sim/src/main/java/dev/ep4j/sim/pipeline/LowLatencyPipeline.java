package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.net.Path;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.LowLatencyTraffic;

/**
 * The low-latency kernels (semantics.md §6; simulator.md §5.5): one message per valid (token, expert) selection,
 * straight into the expert rank's buffer — by NVLink to ranks of the same node, by RDMA to the others — then a
 * per-(expert, source) count that the receiver polls.
 *
 * <ul>
 *   <li>Send phase of rank s: dispatch first casts its tokens to FP8 (one copy of each token through the send blocks),
 *       then all of s's messages to d move as one transfer of {@code selections(s, d)} messages over the send blocks
 *       (NVLink) or the NIC (RDMA; the NIC's message rate as a byte rate, every message of a kernel having one
 *       size). Combine sends each returned row from the expert rank.</li>
 *   <li>The count becomes visible {@code nvlinkFlagLatencyNs} (NVLink) after the data, or with the data (RDMA: the
 *       count follows on the same queue pair).</li>
 *   <li>Receive phase of rank d: dispatch copies each source's messages into the packed layout as soon as that
 *       source's count is seen; combine reduces once every source's rows are in (a token needs all K of them).</li>
 * </ul>
 * The send blocks are {@code min(grid, tokens)} SMs (dispatch) or the whole grid (combine), the receive blocks the
 * whole grid ({@link Accounting#llGrid}), as the analytical bound counts them.
 */
final class LowLatencyPipeline implements EventHandler {
    private static final long ARRIVED = 0;
    private static final long COUNT_SEEN = 1;
    private static final long RECEIVED = 2;
    private static final long CAST_DONE = 3;

    private final Cluster k;
    private final Pipeline p;
    private final LowLatencyTraffic t;
    private final boolean combine;
    private final long msg;
    private final long row;
    private final int r;
    private final int[] sendPool;
    private final int[] recvPool;
    private final int[] pendingIn;
    private final int[] pendingOut;
    private final long[] rowsIn;

    LowLatencyPipeline(final Cluster k, final LowLatencyTraffic t, final boolean combine, final long messageBytes,
        final int hidden, final int smCount) {
        this.k = k;
        this.p = k.p;
        this.t = t;
        this.combine = combine;
        this.msg = messageBytes;
        this.row = 2L * hidden;
        this.r = k.shape.ranks();
        final int grid = Accounting.llGrid(t.experts(), smCount);
        int maxTokens = 0;
        for (int s = 0; s < r; s++) {
            maxTokens = Math.max(maxTokens, t.tokens(s));
        }
        final int sendBlocks = Math.max(1, Math.min(grid, combine ? grid : maxTokens));
        sendPool = new int[r];
        recvPool = new int[r];
        pendingIn = new int[r];
        pendingOut = new int[r];
        rowsIn = new long[r];
        for (int x = 0; x < r; x++) {
            sendPool[x] = k.sm(x, -1, "send blocks (" + sendBlocks + " blocks)", sendBlocks);
            recvPool[x] = k.sm(x, -1, "receive blocks (" + grid + " blocks)", grid);
        }
    }

    /** Starts every rank's send phase at time 0; {@link Pipeline#run()} then runs it. */
    void start() {
        for (int s = 0; s < r; s++) {
            for (int d = 0; d < r; d++) {
                final int from = combine ? d : s;
                if (selections(from, combine ? s : d) > 0) {
                    pendingOut[from]++;
                    pendingIn[combine ? s : d]++;
                }
            }
        }
        for (int s = 0; s < r; s++) {
            if (!combine && t.tokens(s) > 0) {
                p.net.startFlow(p.path(sendPool[s]), t.tokens(s) * msg, 0, s, this, CAST_DONE, s);
            } else {
                send(s);
            }
            if (pendingIn[s] == 0) {
                p.markDone(s);
            }
        }
    }

    /** Selections whose messages travel from {@code from} to {@code to}. */
    private long selections(final int from, final int to) {
        return combine ? t.selections(to, from) : t.selections(from, to);
    }

    private void send(final int from) {
        for (int to = 0; to < r; to++) {
            final long sel = selections(from, to);
            if (sel == 0) {
                continue;
            }
            final long bytes = sel * msg;
            final Path path;
            final long latency;
            if (k.shape.sameNode(from, to)) {
                path = k.nvl(sendPool[from], from, to);
                latency = k.nvlLatency(from, to);
            } else {
                path = k.rdma(combine ? sendPool[from] : -1, from, to, msg);
                latency = k.rdmaPs;
            }
            p.net.startFlow(path, bytes, latency, from, this, ARRIVED, (long) from * r + to);
        }
        if (pendingOut[from] == 0) {
            p.markDone(from);
        }
    }

    @Override
    public void onEvent(final long kind, final long arg) {
        if (kind == CAST_DONE) {
            send((int) arg);
            return;
        }
        final int from = (int) (arg / r);
        final int to = (int) (arg % r);
        if (kind == ARRIVED) {
            if (--pendingOut[from] == 0) {
                p.markDone(from);
            }
            final long delay = k.shape.sameNode(from, to) ? k.flag(from, to) : 0;
            p.sim.scheduleAfter(delay, EventClass.FLAG_VISIBLE, this, COUNT_SEEN, arg);
        } else if (kind == COUNT_SEEN) {
            if (combine) {
                rowsIn[to] += selections(from, to);
                if (--pendingIn[to] == 0) {
                    p.net.startFlow(p.path(recvPool[to]), rowsIn[to] * row, 0, to, this, RECEIVED, arg);
                }
            } else {
                p.net.startFlow(p.path(recvPool[to]), selections(from, to) * msg, 0, to, this, RECEIVED, arg);
            }
        } else if (combine || --pendingIn[to] == 0) {
            p.markDone(to);
        }
    }
}
