package dev.ep4j.sim.pipeline;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.net.Path;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.Traffic;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the normal (high-throughput) kernels as streams over rings (semantics.md §4–§5; simulator.md §5.5). Every
 * channel {@code c} of a rank owns two SMs; ring capacities and chunk sizes come from the case's {@link KernelConfig}.
 * With a channel group {@code k > 1} (large kernels, {@link DesModel}) each simulated channel stands for {@code k}
 * real ones: summed routing counts, {@code k} times the ring slots and chunk, and per role an SM pool of
 * {@code Σ bytes / max bytes} SMs over its real channels; ring names then say {@code "channels a-b"}.
 *
 * <ul>
 *   <li><b>Intranode dispatch:</b> the sender SM of (s, c) runs one stream per destination d (its warps are split
 *       by peer), sending {@code nvlChunk}-token chunks into d's ring for (c, s) of {@code nvlRecv} slots once a whole
 *       chunk fits; the receiver SM of (d, c) copies each peer's ring into the output as the tails show up.</li>
 *   <li><b>Intranode combine:</b> the expert rank sends each source's rows back into the source's ring for (c, peer);
 *       the source's reducer walks its channel's tokens in order and reduces a token once every contribution has
 *       arrived (reads = rows received, as in {@link Accounting}).</li>
 *   <li><b>Internode dispatch:</b> the RDMA sender of (s = (i, l), c) sends {@code rdmaChunk}-token chunks per
 *       destination node j into the RDMA ring (c, i) of rank (j, l), {@code rdmaRecv} slots, head returned lazily every
 *       {@code rdmaChunk} tokens; the own node's chunks are local copies. On (j, l) the forwarder SM runs one stream
 *       per
 *       (source node, destination GPU m), those of one m taking turns on one {@link Lane}: it walks the RDMA ring
 *       and pushes m's tokens, a chunk at a time, into m's NVL ring for (c, l), which all source nodes' streams
 *       share; m's receiver (on the RDMA sender's SM) copies them out. A slot of the
 *       RDMA ring is free once every destination's stream has passed it.</li>
 *   <li><b>Internode combine:</b> the mirror image. GPU d = (j, m) returns the rows of each source s = (i, l) into the
 *       forwarder (j, l)'s NVL ring for (c, m), split per source node ({@code nvlRecv / nodes} slots each, as DeepEP
 *       splits it); the forwarder reduces each token of s once its rows from every GPU of the node have arrived and
 *       sends the node's partial sum by RDMA into s's ring (c, j); s reduces the node partials.</li>
 * </ul>
 *
 * <p>The routing enters as token counts per (source, destination, channel) and per (source, node, channel) from
 * {@link Traffic} — the functional layer's routing, not a second implementation.
 */
final class NormalPipelines {
    private final Cluster k;
    private final Pipeline p;
    private final Traffic t;
    private final KernelConfig cfg;
    private final Topology shape;
    /** Simulated channels: groups of {@link #group} real channels. */
    private final int ch;
    /** Real channels per simulated channel. */
    private final int group;
    private final long rec;
    private final long row;

    /** Per SM role, bytes[rank][real channel] ({@link Accounting#smChannelBytes}). */
    private final Map<String, long[][]> smLoads;

    /**
     * @param smLoads the kernel's SM bytes per role, rank and real channel.
     * @param group   real channels simulated as one (1 simulates every channel; see {@link DesModel}).
     */
    NormalPipelines(final Cluster k, final Traffic t, final KernelConfig cfg, final long recordBytes,
        final int hidden, final Map<String, long[][]> smLoads, final int group) {
        this.smLoads = smLoads;
        this.k = k;
        this.p = k.p;
        this.t = t;
        this.cfg = cfg;
        this.shape = k.shape;
        this.group = Math.max(1, Math.min(group, t.channels()));
        this.ch = -Math.floorDiv(-t.channels(), this.group);
        this.rec = recordBytes;
        this.row = 2L * hidden;
    }

    /** @return real channels in simulated channel c. */
    private int width(final int c) {
        return Math.min(t.channels(), (c + 1) * group) - c * group;
    }

    /** @return tokens of src to dst over simulated channel c. */
    private int tokens(final int src, final int dst, final int c) {
        int sum = 0;
        for (int x = c * group, end = x + width(c); x < end; x++) {
            sum += t.tokens(src, dst, x);
        }
        return sum;
    }

    /** @return (token, node) pairs of src to node over simulated channel c. */
    private int nodeTokens(final int src, final int node, final int c) {
        int sum = 0;
        for (int x = c * group, end = x + width(c); x < end; x++) {
            sum += t.nodeTokens(src, node, x);
        }
        return sum;
    }

    /** @return src's own tokens in simulated channel c. */
    private int channelTokens(final int src, final int c) {
        int sum = 0;
        for (int x = c * group, end = x + width(c); x < end; x++) {
            sum += Cluster.channelTokens(t.tokens(src), t.channels(), x);
        }
        return sum;
    }

    /**
     * The SM of a role for simulated channel c: one SM per real channel in it, as a pool of {@code Σ bytes / max
     * bytes} SMs over the group's channels (its real channels' SM bytes for that role), so that the pool can never
     * finish before the group's busiest channel would on its own SM — the analytical bound's SM term.
     */
    private int sm(final int rank, final int c, final String role) {
        if (group == 1) {
            return k.sm(rank, c, role, 1);
        }
        final long[][] loads = Objects.requireNonNull(smLoads.get(role), role);
        long sum = 0;
        long max = 0;
        for (int x = c * group, end = x + width(c); x < end; x++) {
            sum += loads[rank][x];
            max = Math.max(max, loads[rank][x]);
        }
        return k.sm(rank, c, role, max == 0 ? width(c) : (double) sum / max);
    }

    /** @return a per-channel token count (ring slots, chunk) scaled to simulated channel c. */
    private int scaled(final int perChannel, final int c) {
        return perChannel * width(c);
    }

    /** @return the ring-name suffix of simulated channel c. */
    private String channel(final int c) {
        return group == 1 ? "channel " + c : "channels " + c * group + "-" + (c * group + width(c) - 1) + " ("
            + width(c) + " channels simulated as one: slots and chunks are " + width(c) + "x a channel's)";
    }

    void intranodeDispatch() {
        final int r = shape.ranks();
        for (int s = 0; s < r; s++) {
            for (int c = 0; c < ch; c++) {
                final int send = sm(s, c, "sender");
                for (int d = 0; d < r; d++) {
                    final int n = tokens(s, d, c);
                    final Ring ring = p.ring("nvl ring rank " + d + " <- rank " + s + ", " + channel(c),
                        scaled(cfg.nvlRecvTokens(), c), n, k.flag(s, d), k.flag(d, s), 1);
                    Stream.builder(p, "sender rank " + s + " ch " + c + " -> rank " + d, s, n)
                        .output(ring, n, rec, k.nvl(send, s, d), k.nvlLatency(s, d))
                        .chunk(scaled(cfg.nvlChunkTokens(), c), true).build();
                    Stream.builder(p, "receiver rank " + d + " ch " + c + " <- rank " + s, d, n)
                        .input(ring, n).read(p.path(sm(d, c, "receiver")), rec).build();
                }
            }
        }
    }

    void intranodeCombine() {
        final int r = shape.ranks();
        for (int s = 0; s < r; s++) {
            for (int c = 0; c < ch; c++) {
                final int tokens = channelTokens(s, c);
                final Stream.Builder reducer = Stream.builder(p, "reducer rank " + s + " ch " + c, s, tokens)
                    .read(p.path(sm(s, c, "reducer")), row);
                for (int d = 0; d < r; d++) {
                    final int n = tokens(s, d, c);
                    final Ring ring = p.ring("combine ring rank " + s + " <- rank " + d + ", " + channel(c),
                        scaled(cfg.nvlRecvTokens(), c), n, k.flag(d, s), k.flag(s, d), 1);
                    Stream.builder(p, "combine sender rank " + d + " ch " + c + " -> rank " + s, d, n)
                        .output(ring, n, rec, k.nvl(sm(d, c, "sender"), d, s), k.nvlLatency(d, s))
                        .chunk(scaled(cfg.nvlChunkTokens(), c), true).build();
                    reducer.input(ring, n);
                }
                reducer.build();
            }
        }
    }

    void internodeDispatch() {
        final int r = shape.ranks();
        final int nodes = shape.nodes();
        final int g = shape.gpusPerNode();
        // rdma[(s * nodes + j) * ch + c]: the ring on rank (j, local(s)) for channel c and source node(s)
        final Ring[] rdma = new Ring[r * nodes * ch];
        for (int s = 0; s < r; s++) {
            final int i = shape.nodeOf(s);
            final int l = shape.localOf(s);
            for (int c = 0; c < ch; c++) {
                final int send = sm(s, c, "rdma-sender+nvl-receiver");
                final Lane lane = new Lane();
                for (int j = 0; j < nodes; j++) {
                    final int peer = shape.rankOf(j, l);
                    final int n = nodeTokens(s, j, c);
                    final boolean local = j == i;
                    final Ring ring = p.ring("rdma ring rank " + peer + " <- node " + i + ", " + channel(c),
                        scaled(cfg.rdmaRecvTokens(), c), n, local ? k.localFlagPs : 0, local ? k.localFlagPs : k.rdmaPs,
                        scaled(cfg.rdmaChunkTokens(), c));
                    rdma[(s * nodes + j) * ch + c] = ring;
                    final Path path = local ? p.path(send) : k.rdma(send, s, peer, 0);
                    Stream.builder(p, "rdma sender rank " + s + " ch " + c + " -> node " + j, s, n)
                        .output(ring, n, rec, path, local ? 0 : k.rdmaPs)
                        .chunk(scaled(cfg.rdmaChunkTokens(), c), true).build();
                }
            }
        }
        for (int f = 0; f < r; f++) {
            final int j = shape.nodeOf(f);
            final int l = shape.localOf(f);
            for (int c = 0; c < ch; c++) {
                final int fwd = sm(f, c, "forwarder");
                for (int m = 0; m < g; m++) {
                    final int d = shape.rankOf(j, m);
                    long total = 0;
                    for (int i = 0; i < nodes; i++) {
                        total += tokens(shape.rankOf(i, l), d, c);
                    }
                    final Ring nvl = p.ring("nvl ring rank " + d + " <- forwarder rank " + f + ", " + channel(c),
                        scaled(cfg.nvlRecvTokens(), c), total, k.flag(f, d), k.flag(d, f), 1);
                    final Lane lane = new Lane();
                    for (int i = 0; i < nodes; i++) {
                        final int s = shape.rankOf(i, l);
                        final int n = nodeTokens(s, j, c);
                        Stream.builder(p, "forwarder rank " + f + " ch " + c + " node " + i + " -> rank " + d, f, n)
                            .input(rdma[(s * nodes + j) * ch + c], n)
                            .output(nvl, tokens(s, d, c), rec, k.nvl(fwd, f, d), k.nvlLatency(f, d))
                            .chunk(scaled(cfg.nvlChunkTokens(), c), true).lane(lane).build();
                    }
                    Stream.builder(p, "nvl receiver rank " + d + " ch " + c + " <- forwarder rank " + f, d, total)
                        .input(nvl, total).read(p.path(sm(d, c, "rdma-sender+nvl-receiver")), rec).build();
                }
            }
        }
    }

    void internodeCombine() {
        final int r = shape.ranks();
        final int nodes = shape.nodes();
        final int g = shape.gpusPerNode();
        // final reducers first: their RDMA rings are the forwarders' outputs
        final Ring[] rdma = new Ring[r * nodes * ch];
        for (int s = 0; s < r; s++) {
            final int i = shape.nodeOf(s);
            for (int c = 0; c < ch; c++) {
                final int tokens = channelTokens(s, c);
                final Stream.Builder reducer = Stream.builder(p, "final reducer rank " + s + " ch " + c, s, tokens)
                    .read(p.path(sm(s, c, "nvl-sender+rdma-receiver")), row);
                for (int j = 0; j < nodes; j++) {
                    final int n = nodeTokens(s, j, c);
                    final boolean local = j == i;
                    final Ring ring = p.ring("combine rdma ring rank " + s + " <- node " + j + ", " + channel(c),
                        scaled(cfg.rdmaRecvTokens(), c), n, local ? k.localFlagPs : 0, local ? k.localFlagPs : k.rdmaPs,
                        scaled(cfg.rdmaChunkTokens(), c));
                    rdma[(s * nodes + j) * ch + c] = ring;
                    reducer.input(ring, n);
                }
                reducer.build();
            }
        }
        // lanes[(d * g + l) * ch + c]: the warp group of GPU d returning rows to forwarder local l on channel c
        final Lane[] lanes = new Lane[r * g * ch];
        for (int x = 0; x < lanes.length; x++) {
            lanes[x] = new Lane();
        }
        for (int s = 0; s < r; s++) {
            final int i = shape.nodeOf(s);
            final int l = shape.localOf(s);
            for (int j = 0; j < nodes; j++) {
                final int f = shape.rankOf(j, l);
                for (int c = 0; c < ch; c++) {
                    final int n = nodeTokens(s, j, c);
                    final Stream.Builder fwd = Stream.builder(p, "forwarder rank " + f + " ch " + c + " -> rank " + s,
                        f, n).read(p.path(sm(f, c, "forwarder")), rec);
                    for (int m = 0; m < g; m++) {
                        final int d = shape.rankOf(j, m);
                        final int rows = tokens(s, d, c);
                        final Ring nvl = p.ring("combine nvl ring rank " + f + " <- rank " + d + ", " + channel(c)
                            + ", source node " + i, scaled(Math.max(1, cfg.nvlRecvTokens() / nodes), c), rows,
                            k.flag(d, f), k.flag(f, d), 1);
                        Stream.builder(p, "combine sender rank " + d + " ch " + c + " -> forwarder rank " + f
                                + " for rank " + s, d, rows)
                            .output(nvl, rows, rec, k.nvl(sm(d, c, "nvl-sender+rdma-receiver"), d, f),
                                k.nvlLatency(d, f))
                            .chunk(scaled(cfg.nvlChunkTokens(), c), true).lane(lanes[(d * g + l) * ch + c]).build();
                        fwd.input(nvl, rows);
                    }
                    final boolean local = j == i;
                    final Path path = local ? p.path(sm(f, c, "forwarder")) : k.rdma(-1, f, s, 0);
                    fwd.output(rdma[(s * nodes + j) * ch + c], n, rec, path, local ? 0 : k.rdmaPs)
                        .chunk(scaled(cfg.rdmaChunkTokens(), c), true).build();
                }
            }
        }
    }
}
