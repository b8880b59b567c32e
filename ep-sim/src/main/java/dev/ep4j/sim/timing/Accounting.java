package dev.ep4j.sim.timing;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte accounting of one kernel: the <b>logical</b> bytes DeepEP's tests divide by the kernel time (so that our GB/s
 * compare with theirs), and the <b>physical</b> bytes every resource instance carries (what the timing models
 * schedule).
 *
 * <p>Logical bytes per rank (simulator.md §3.2, semantics.md §8), with a token of {@link #tokenBytes} bytes
 * ({@code H + 4·H/128} for FP8 — DeepEP's factor (1 + 4/128)/2 of BF16 — and {@code 2H} for BF16):
 * <ul>
 *   <li>normal intranode dispatch and combine: tokens the rank <i>received</i> in dispatch, including those from
 *       itself ({@code recv_x.numel()}); combine counts them as BF16;</li>
 *   <li>normal internode dispatch and combine: the rank's (token, destination node) pairs, including its own node
 *       (the "RDMA" bytes, which is why they can exceed the NIC rate); combine as BF16;</li>
 *   <li>low-latency dispatch: the rank's valid selections × {@link #llDispatchMessageBytes} ({@code H + 4S + 16} FP8,
 *       {@code 2H + 16} BF16); combine: valid selections × {@link #llCombineBytes} ({@code 2H}, or
 *       {@code H·10/8 + 4S} with LogFMT-10).</li>
 * </ul>
 *
 * <p>Physical bytes follow the kernels' data paths (semantics.md §4, §5.8, §6): records on the rings carry their
 * metadata (source index, top-k indices and weights, FP8 scales; internode records are padded to 16 bytes); copies
 * to the own rank use no link; internode tokens cross RDMA once per destination node on the sender's rail and fan
 * out over NVLink at the forwarder; low-latency messages go straight to the expert's rank, by NVLink inside a node
 * and by RDMA between nodes. SM loads are those of the busiest channel of each role (a channel's SM cannot borrow
 * another's copy throughput).
 *
 * <p>Stateless and thread-safe.
 */
public final class Accounting {
    /** Hidden channels per FP8 scale. */
    public static final int SCALE_GROUP = 128;
    /** Header bytes of one low-latency dispatch message. */
    public static final int LL_HEADER_BYTES = 16;
    /** Class of NVLink resources. */
    public static final String NVLINK = "nvlink";
    /** Class of NIC and fabric resources. */
    public static final String RDMA = "rdma";
    /** Class of PCIe links. */
    public static final String PCIE = "pcie";
    /** Class of SM copy throughput. */
    public static final String SM = "sm";

    private Accounting() {
    }

    /**
     * @param hidden H.
     * @param fp8    FP8 payload.
     * @return DeepEP's logical bytes of one token: {@code H + 4·(H/128)} for FP8, {@code 2H} for BF16.
     */
    public static long tokenBytes(final int hidden, final boolean fp8) {
        return fp8 ? hidden + 4L * (hidden / SCALE_GROUP) : 2L * hidden;
    }

    /**
     * @param hidden H.
     * @param fp8    FP8 payload.
     * @return bytes of one low-latency dispatch message: {@code H + 4S + 16} (FP8) or {@code 2H + 16} (BF16).
     */
    public static long llDispatchMessageBytes(final int hidden, final boolean fp8) {
        return tokenBytes(hidden, fp8) + LL_HEADER_BYTES;
    }

    /**
     * @param hidden H.
     * @param logfmt LogFMT-10 encoding.
     * @return bytes of one low-latency combine row: {@code 2H}, or {@code H·10/8 + 4S} with LogFMT-10.
     */
    public static long llCombineBytes(final int hidden, final boolean logfmt) {
        return logfmt ? hidden * 10L / 8 + 4L * (hidden / SCALE_GROUP) : 2L * hidden;
    }

    /**
     * @param hidden H.
     * @param fp8    FP8 payload (with H/128 float scales).
     * @param topK   K.
     * @return bytes of one intranode dispatch ring record: data, source index (4), top-k indices (8 each), weights
     *     (4 each), scales (4 each) (semantics.md §4.4).
     */
    public static long intranodeDispatchRecordBytes(final int hidden, final boolean fp8, final int topK) {
        final long data = fp8 ? hidden : 2L * hidden;
        final long scales = fp8 ? 4L * (hidden / SCALE_GROUP) : 0;
        return data + 4 + (long) BufferSizing.TOPK_IDX_BYTES * topK + 4L * topK + scales;
    }

    /**
     * @param hidden H.
     * @param topK   K.
     * @return bytes of one intranode combine ring record: BF16 row, source index, weights (semantics.md §4.7).
     */
    public static long intranodeCombineRecordBytes(final int hidden, final int topK) {
        return 2L * hidden + 4 + 4L * topK;
    }

    /**
     * @param c a kernel.
     * @return bytes of one ring record (normal kernels) or one message (low-latency kernels) of that kernel.
     */
    public static long recordBytes(final TimingCase c) {
        final boolean inter = c.shape().nodes() > 1;
        switch (c.op()) {
            case DISPATCH:
                return inter ? BufferSizing.internodeDispatchRecordBytes(c.fp8() ? c.hidden() : 2L * c.hidden(),
                    c.fp8() ? c.hidden() / SCALE_GROUP : 0, c.topK())
                    : intranodeDispatchRecordBytes(c.hidden(), c.fp8(), c.topK());
            case COMBINE:
                return inter ? BufferSizing.internodeCombineRecordBytes(c.hidden(), c.topK())
                    : intranodeCombineRecordBytes(c.hidden(), c.topK());
            case LL_DISPATCH:
                return llDispatchMessageBytes(c.hidden(), c.fp8());
            default:
                return llCombineBytes(c.hidden(), c.logfmt());
        }
    }

    /**
     * DeepEP's logical bytes of every rank (the numerator of its GB/s; see the class comment).
     *
     * @param c a kernel.
     * @return bytes per rank.
     */
    public static long[] logicalBytes(final TimingCase c) {
        final int r = c.shape().ranks();
        final long[] out = new long[r];
        switch (c.op()) {
            case DISPATCH:
            case COMBINE: {
                final Traffic t = c.traffic();
                final long token = tokenBytes(c.hidden(), c.op() == OpKind.DISPATCH && c.fp8());
                if (c.shape().nodes() == 1) {
                    for (int s = 0; s < r; s++) {
                        for (int d = 0; d < r; d++) {
                            out[d] += t.tokens(s, d) * token;
                        }
                    }
                } else {
                    for (int s = 0; s < r; s++) {
                        for (int j = 0; j < c.shape().nodes(); j++) {
                            out[s] += t.nodeTokens(s, j) * token;
                        }
                    }
                }
                return out;
            }
            default: {
                final LowLatencyTraffic t = c.llTraffic();
                final long m = recordBytes(c);
                for (int s = 0; s < r; s++) {
                    long sel = 0;
                    for (int d = 0; d < r; d++) {
                        sel += t.selections(s, d);
                    }
                    out[s] = sel * m;
                }
                return out;
            }
        }
    }

    /**
     * The physical loads of every resource instance during the kernel (see the class comment). Instances with no
     * load are omitted. Order: by rank, then NVLink, RDMA, PCIe, SM.
     *
     * @param c a kernel.
     * @return the loads.
     */
    public static List<ResourceLoad> loads(final TimingCase c) {
        return run(new Acc(c)).emit();
    }

    /**
     * The SM bytes of every channel of a normal kernel, per role (the loads of which {@link #loads} keeps the busiest
     * channel).
     *
     * @param c a normal-mode kernel.
     * @return per role name, {@code bytes[rank][channel]}, in role order.
     * @throws IllegalArgumentException for a low-latency kernel (its SMs are pools, not channels).
     */
    public static java.util.Map<String, long[][]> smChannelBytes(final TimingCase c) {
        if (c.traffic() == null) {
            throw new IllegalArgumentException(c.op() + " has no channels");
        }
        final Acc a = new Acc(c);
        a.perChannel = new long[2][c.shape().ranks()][c.traffic().channels()];
        run(a);
        final java.util.Map<String, long[][]> out = new java.util.LinkedHashMap<>();
        for (int role = 0; role < 2; role++) {
            out.put(a.smRoles[role], a.perChannel[role]);
        }
        return out;
    }

    private static Acc run(final Acc a) {
        final TimingCase c = a.c;
        switch (c.op()) {
            case DISPATCH:
                if (c.shape().nodes() == 1) {
                    a.intranode(false);
                } else {
                    a.internode(false);
                }
                break;
            case COMBINE:
                if (c.shape().nodes() == 1) {
                    a.intranode(true);
                } else {
                    a.internode(true);
                }
                break;
            default:
                a.lowLatency(c.op() == OpKind.LL_COMBINE);
        }
        return a;
    }

    /**
     * How a node's GPUs map to NICs: GPU {@code l} uses NIC {@code l / share} when several GPUs share one NIC, its own
     * NIC otherwise; several NICs per GPU act as one NIC of the summed rate.
     *
     * @param hardware the cluster.
     * @return NIC instances per node.
     */
    static int nicsPerNode(final ResolvedTopology hardware) {
        final TopologyConfig t = hardware.topology();
        return Math.max(1, Math.min(t.nicsPerNode(), t.gpusPerNode()));
    }

    /** Accumulators for one kernel. Not thread-safe; one per call. */
    private static final class Acc {
        private final TimingCase c;
        private final Topology shape;
        private final int r;
        private final int g;
        private final int nicsPerNode;
        private final int gpusPerNic;
        private final double nicGBps;
        private final double nvlGBps;
        private final double smGBps;
        private final long[] nvlTx;
        private final long[] nvlRx;
        private final long[] nicTx;
        private final long[] nicRx;
        private final long[] nicMsgs;
        private final long[] fabricTx;
        private final long[] pcieTx;
        private final long[] pcieRx;
        /** Busiest channel per rank and SM role: bytes and channel. */
        private final long[][] smBytes = new long[2][];
        private final int[][] smChannel = new int[2][];
        private final String[] smRoles = new String[2];
        /** Whole-kernel SM pools (low-latency): bytes and the blocks sharing them, per rank and role. */
        private final int[] poolBlocks = new int[2];
        /** When not null, every channel's bytes per role and rank ({@link #smChannelBytes}). */
        private long[][][] perChannel;

        Acc(final TimingCase c) {
            this.c = c;
            this.shape = c.shape();
            this.r = shape.ranks();
            this.g = shape.gpusPerNode();
            final ResolvedTopology hw = c.hardware();
            final GpuProfile gpu = hw.gpu();
            final TopologyConfig topo = hw.topology();
            this.nicsPerNode = nicsPerNode(hw);
            this.gpusPerNic = Math.max(1, g / nicsPerNode);
            final double perGpu = topo.nicsPerNode() > topo.gpusPerNode()
                ? (double) topo.nicsPerNode() / topo.gpusPerNode() : 1.0;
            this.nicGBps = hw.nic().effectiveBandwidthGBps() * perGpu;
            this.nvlGBps = gpu.nvlinkEffectiveBandwidthGBps();
            this.smGBps = gpu.smCopyThroughputGBps();
            final int nics = shape.nodes() * nicsPerNode;
            nvlTx = new long[r];
            nvlRx = new long[r];
            nicTx = new long[nics];
            nicRx = new long[nics];
            nicMsgs = new long[nics];
            fabricTx = new long[nics];
            pcieTx = new long[r];
            pcieRx = new long[r];
        }

        private int nic(final int rank) {
            return shape.nodeOf(rank) * nicsPerNode + Math.min(shape.localOf(rank) / gpusPerNic, nicsPerNode - 1);
        }

        private boolean crossesSpine(final int src, final int dst) {
            return !c.hardware().topology().railOptimized() || shape.localOf(src) != shape.localOf(dst);
        }

        /** Bytes over RDMA from src's NIC to dst's NIC, in {@code messages} messages. */
        private void rdma(final int src, final int dst, final long bytes, final long messages) {
            final int a = nic(src);
            final int b = nic(dst);
            nicTx[a] += bytes;
            nicRx[b] += bytes;
            nicMsgs[a] += messages;
            pcieTx[src] += bytes;
            pcieRx[dst] += bytes;
            if (crossesSpine(src, dst)) {
                fabricTx[a] += bytes;
            }
        }

        private void nvl(final int src, final int dst, final long bytes) {
            if (src != dst) {
                nvlTx[src] += bytes;
                nvlRx[dst] += bytes;
            }
        }

        private void smRoles(final String a, final String b) {
            smRoles[0] = a;
            smRoles[1] = b;
            for (int i = 0; i < 2; i++) {
                smBytes[i] = new long[r];
                smChannel[i] = new int[r];
            }
        }

        /** Records channel {@code ch}'s bytes of one role on one rank when it is the busiest so far. */
        private void channel(final int role, final int rank, final int ch, final long bytes) {
            if (perChannel != null) {
                perChannel[role][rank][ch] = bytes;
            }
            if (bytes > smBytes[role][rank]) {
                smBytes[role][rank] = bytes;
                smChannel[role][rank] = ch;
            }
        }

        /** Intranode dispatch (sender SM / receiver SM) or combine (sender SM / reducing receiver SM). */
        void intranode(final boolean combine) {
            final Traffic t = c.traffic();
            final int ch = t.channels();
            final long rec = recordBytes(c);
            final long reduceRow = 2L * c.hidden();
            smRoles("sender", combine ? "reducer" : "receiver");
            for (int s = 0; s < r; s++) {
                for (int d = 0; d < r; d++) {
                    final long bytes = t.tokens(s, d) * rec;
                    if (combine) {
                        nvl(d, s, bytes);
                    } else {
                        nvl(s, d, bytes);
                    }
                }
            }
            // dispatch: sender on s moves its tokens of channel k to every d; receiver on d copies what arrives.
            // combine: the expert rank d returns, on channel k, the rows it got from s on k; s reduces them.
            for (int x = 0; x < r; x++) {
                for (int k = 0; k < ch; k++) {
                    long out = 0;
                    long in = 0;
                    for (int y = 0; y < r; y++) {
                        out += t.tokens(x, y, k);
                        in += t.tokens(y, x, k);
                    }
                    if (combine) {
                        channel(0, x, k, in * rec);
                        channel(1, x, k, out * reduceRow);
                    } else {
                        channel(0, x, k, out * rec);
                        channel(1, x, k, in * rec);
                    }
                }
            }
        }

        /**
         * Internode dispatch, or combine as its mirror image: RDMA carries one record per (token, remote node) on the
         * rail of the source's local index (combine: back to the source), NVLink one record per (token, destination
         * GPU) between the forwarder and the GPU (combine: GPU to forwarder). SM roles: dispatch — RDMA sender and
         * NVL receiver on one SM, forwarder on the other; combine — NVL sender and RDMA receiver (which also reads
         * the reduced row) on one SM, the forwarder on the other.
         *
         * @param combine true for combine.
         */
        void internode(final boolean combine) {
            final Traffic t = c.traffic();
            final int ch = t.channels();
            final int n = shape.nodes();
            final long rec = recordBytes(c);
            final long row = 2L * c.hidden();
            final KernelConfig cfg = c.config();
            final int chunk = cfg == null ? 1 : cfg.rdmaChunkTokens();
            if (combine) {
                smRoles("nvl-sender+rdma-receiver", "forwarder");
            } else {
                smRoles("rdma-sender+nvl-receiver", "forwarder");
            }
            for (int s = 0; s < r; s++) {
                final int i = shape.nodeOf(s);
                final int local = shape.localOf(s);
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        long msgs = 0;
                        for (int k = 0; k < ch; k++) {
                            msgs += 2 * ceilDiv(t.nodeTokens(s, j, k), chunk);
                        }
                        final int peer = shape.rankOf(j, local);
                        rdma(combine ? peer : s, combine ? s : peer, t.nodeTokens(s, j) * rec, msgs);
                    }
                }
                for (int d = 0; d < r; d++) {
                    final int forwarder = shape.rankOf(shape.nodeOf(d), local);
                    nvl(combine ? d : forwarder, combine ? forwarder : d, t.tokens(s, d) * rec);
                }
            }
            for (int x = 0; x < r; x++) {
                final int node = shape.nodeOf(x);
                final int local = shape.localOf(x);
                for (int k = 0; k < ch; k++) {
                    long toNodes = 0;
                    for (int j = 0; j < n; j++) {
                        toNodes += t.nodeTokens(x, j, k);
                    }
                    long received = 0;
                    for (int s = 0; s < r; s++) {
                        received += t.tokens(s, x, k);
                    }
                    long forwarded = 0;
                    for (int i = 0; i < n; i++) {
                        final int src = shape.rankOf(i, local);
                        for (int m = 0; m < g; m++) {
                            forwarded += t.tokens(src, shape.rankOf(node, m), k);
                        }
                    }
                    channel(0, x, k, combine ? received * rec + toNodes * row : (toNodes + received) * rec);
                    channel(1, x, k, forwarded * rec);
                }
            }
        }

        /**
         * Low-latency: one message per valid (token, expert) selection, straight to the expert's rank. Send SMs: the
         * blocks that own the tokens (dispatch: the FP8 cast of each token plus one copy per NVLink or local
         * selection; combine: one copy per returned row); receive SMs: all blocks (dispatch: copy into the packed
         * layout; combine: read the K rows of each token).
         */
        void lowLatency(final boolean combine) {
            final LowLatencyTraffic t = c.llTraffic();
            final long m = recordBytes(c);
            final int grid = llGrid(t.experts(), c.hardware().gpu().smCount());
            smRoles("send blocks", "receive blocks");
            for (int s = 0; s < r; s++) {
                long sendSm = combine ? 0 : (long) t.tokens(s) * m;
                long recvSm = 0;
                for (int d = 0; d < r; d++) {
                    final long sel = combine ? t.selections(d, s) : t.selections(s, d);
                    final long bytes = sel * m;
                    if (shape.sameNode(s, d)) {
                        nvl(s, d, bytes);
                        sendSm += bytes;
                    } else {
                        rdma(s, d, bytes, sel);
                        sendSm += combine ? bytes : 0;
                    }
                    final long in = combine ? t.selections(s, d) * 2L * c.hidden() : t.selections(d, s) * m;
                    recvSm += in;
                }
                smBytes[0][s] = sendSm;
                smBytes[1][s] = recvSm;
            }
            int maxTokens = 0;
            for (int s = 0; s < r; s++) {
                maxTokens = Math.max(maxTokens, t.tokens(s));
            }
            poolBlocks[0] = Math.max(1, Math.min(grid, combine ? grid : maxTokens));
            poolBlocks[1] = grid;
        }

        List<ResourceLoad> emit() {
            final List<ResourceLoad> out = new ArrayList<>();
            final ResolvedTopology hw = c.hardware();
            final double oversub = hw.topology().fabricOversubscription();
            final double gpuPcie = hw.gpuPcie().effectiveBandwidthGBps();
            final double nicPcie = hw.nicPcie().effectiveBandwidthGBps();
            final double msgRate = hw.nic().messageRatePerSec();
            for (int x = 0; x < r; x++) {
                final String gpu = "gpu" + x;
                add(out, NVLINK, gpu + " nvlink-tx", x, nvlTx[x], nvlGBps);
                add(out, NVLINK, gpu + " nvlink-rx", x, nvlRx[x], nvlGBps);
                final int nic = nic(x);
                final boolean owner = x == firstRankOf(nic);
                if (owner) {
                    add(out, RDMA, "nic" + nic + " tx", x, nicTx[nic], nicGBps);
                    add(out, RDMA, "nic" + nic + " rx", x, nicRx[nic], nicGBps);
                    if (nicMsgs[nic] > 0) {
                        out.add(new ResourceLoad(RDMA, "nic" + nic + " message issue", x, nicMsgs[nic],
                            ResourceLoad.MESSAGES, msgRate));
                    }
                    if (oversub > 1) {
                        add(out, RDMA, "nic" + nic + " fabric uplink", x, fabricTx[nic], nicGBps / oversub);
                    }
                }
                add(out, PCIE, gpu + " pcie-tx", x, pcieTx[x], gpuPcie);
                add(out, PCIE, gpu + " pcie-rx", x, pcieRx[x], gpuPcie);
                if (owner) {
                    add(out, PCIE, "nic" + nic + " pcie-tx", x, nicTx[nic], nicPcie);
                    add(out, PCIE, "nic" + nic + " pcie-rx", x, nicRx[nic], nicPcie);
                }
                for (int role = 0; role < 2; role++) {
                    if (smBytes[role] == null) {
                        continue;
                    }
                    if (poolBlocks[role] > 0) {
                        add(out, SM, gpu + " sm " + smRoles[role] + " (" + poolBlocks[role] + " blocks)", x,
                            smBytes[role][x], smGBps * poolBlocks[role]);
                    } else {
                        add(out, SM, gpu + " sm ch" + smChannel[role][x] + " " + smRoles[role], x,
                            smBytes[role][x], smGBps);
                    }
                }
            }
            return out;
        }

        private int firstRankOf(final int nic) {
            final int node = nic / nicsPerNode;
            return shape.rankOf(node, Math.min(g - 1, (nic % nicsPerNode) * gpusPerNic));
        }

        private static void add(final List<ResourceLoad> out, final String cls, final String name, final int rank,
            final long bytes, final double gbps) {
            if (bytes > 0) {
                out.add(ResourceLoad.bytes(cls, name, rank, bytes, gbps));
            }
        }
    }

    /**
     * The low-latency kernels' grid (semantics.md §6.1): {@code G = ceil(E / SMs)} expert groups per block,
     * {@code ceil(E / G)} blocks.
     *
     * @param experts E.
     * @param smCount SMs of the GPU.
     * @return blocks.
     */
    public static int llGrid(final int experts, final int smCount) {
        final int groups = (experts + smCount - 1) / smCount;
        return (experts + groups - 1) / groups;
    }

    private static long ceilDiv(final long a, final long b) {
        return (a + b - 1) / b;
    }
}
