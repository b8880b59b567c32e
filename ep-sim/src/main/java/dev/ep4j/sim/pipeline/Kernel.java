package dev.ep4j.sim.pipeline;

import dev.ep4j.api.error.SimulationException;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.Simulator;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TraceSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One simulated kernel: its resources, rings and stages, built by a subclass, then run to completion on a private
 * {@link Simulator}. Every rank's kernel starts at 0 and spends {@code kernelFixedNs} in its prologue before the
 * stages start; a rank's main-kernel time ends with its last stage (its senders, forwarders and receivers).
 *
 * <p>If the event queue empties while stages still wait, the configuration cannot make progress: the run ends with a
 * {@link SimulationException} naming the blocked rings (channel, peers, direction) and what their producers wait for.
 *
 * <p>Not thread-safe: one instance per prediction.
 */
abstract class Kernel {
    /** Most spans one kernel reports to a trace (beyond it, stages are not traced). */
    static final int TRACE_BUDGET = 20_000;

    final TimingCase c;
    final Topology shape;
    final int ranks;
    final Params hw;
    final Simulator sim = new Simulator();
    final FluidNet net = new FluidNet(sim);
    final TraceSink trace;
    final List<Pipe> pipes = new ArrayList<>();
    final List<Ring> rings = new ArrayList<>();
    final long[] rankEndPs;
    final int maxSteps;
    /** Whether starved consumers follow their producers' pace (see {@link Pipe}). */
    final boolean followMode = !Boolean.getBoolean("ep4j.des.noFollow");
    private final Map<String, Integer> res = new HashMap<>();
    /** Start of the main kernel on the trace's time axis (after the pre-kernel phases), ps. */
    long traceOffsetPs;
    private int traceLeft = TRACE_BUDGET;
    private int pending;

    /**
     * @param c        the case.
     * @param trace    where spans go.
     * @param maxSteps most publication steps simulated per stream (chunks beyond are coalesced).
     */
    Kernel(final TimingCase c, final TraceSink trace, final int maxSteps) {
        this.c = c;
        this.shape = c.shape();
        this.ranks = shape.ranks();
        this.hw = new Params(c.hardware(), shape.gpusPerNode());
        this.trace = trace;
        this.rankEndPs = new long[ranks];
        this.maxSteps = Math.max(1, maxSteps);
        sim.setSameTimeEventLimit(10_000_000L);
        sim.setEventBudget(Long.getLong("ep4j.des.eventBudget", 2_000_000_000L));
        net.setSettleQuantumPs(Long.getLong("ep4j.des.quantumPs", 0L));
    }

    /** Creates the resources, rings and stages. */
    abstract void build();

    /** @return a short name of the kernel for messages, e.g. {@code "normal intranode dispatch"}. */
    abstract String label();

    /**
     * Builds and runs the kernel.
     *
     * @throws SimulationException when it cannot make progress (a deadlock), naming the blocked rings.
     */
    final void run() {
        build();
        pending = pipes.size();
        for (int r = 0; r < ranks; r++) {
            rankEndPs[r] = hw.fixedPs;
        }
        sim.schedule(hw.fixedPs, EventClass.DEFAULT, (a, b) -> {
            for (final Pipe p : pipes) {
                p.start();
            }
        }, 0L, 0L);
        sim.runUntilIdle();
        net.syncAll();
        if (pending > 0) {
            throw deadlock();
        }
    }

    void pipeDone(final Pipe p) {
        pending--;
        rankEndPs[p.rank] = Math.max(rankEndPs[p.rank], p.endPs());
    }

    /** Records a stage's busy period on its track, while the trace budget lasts. */
    void span(final Pipe p, final long fromPs, final long toPs, final double fromTok, final double toTok) {
        if (traceLeft <= 0 || !trace.enabled() || toPs <= fromPs) {
            return;
        }
        traceLeft--;
        trace.span(p.track(), "tokens " + Ports.fmt(fromTok) + "-" + Ports.fmt(toTok), traceOffsetPs + fromPs,
            toPs - fromPs);
    }

    /** @return true while spans may still be recorded. */
    boolean tracing() {
        return traceLeft > 0 && trace.enabled();
    }

    void traceSpan(final String track, final String name, final long fromPs, final long durPs) {
        if (tracing()) {
            traceLeft--;
            trace.span(track, name, traceOffsetPs + fromPs, durPs);
        }
    }

    /**
     * @param tokens tokens of a stream.
     * @param chunk  its chunk.
     * @param ring   its ring's capacity.
     * @return the publication step: a whole number of chunks, so that a stream has at most {@code maxSteps} steps,
     *     never more than a quarter of the ring (or one chunk).
     */
    double step(final double tokens, final int chunk, final double ring) {
        final double chunks = Math.ceil(tokens / chunk);
        int g = (int) Math.max(1, Math.ceil(chunks / maxSteps));
        while (g > 1 && (double) g * chunk > ring / 4) {
            g--;
        }
        return (double) g * chunk;
    }

    // -------------------------------------------------------------------------------------------- resources

    private int resource(final String name, final String cls, final int rank, final double bps) {
        final Integer id = res.get(name);
        if (id != null) {
            return id;
        }
        final int r = net.addResource(name, cls, rank, bps);
        res.put(name, r);
        return r;
    }

    int nvlTx(final int rank) {
        return resource("gpu" + rank + " nvlink-tx", Accounting.NVLINK, rank, hw.nvlBps);
    }

    int nvlRx(final int rank) {
        return resource("gpu" + rank + " nvlink-rx", Accounting.NVLINK, rank, hw.nvlBps);
    }

    /**
     * @param rank  the GPU.
     * @param ch    the channel.
     * @param role  the block's role, e.g. {@code "sender"}.
     * @param warps warps of the block.
     * @return the block's local copy resource.
     */
    int smCopy(final int rank, final int ch, final String role, final int warps) {
        return resource("gpu" + rank + " ch" + ch + " " + role, Accounting.SM, rank, hw.smCopy(warps));
    }

    /**
     * @param rank the GPU.
     * @param ch   the channel.
     * @param role the block's role.
     * @return the block's NVLink push resource (bytes it writes to peers).
     */
    int smPush(final int rank, final int ch, final String role) {
        return resource("gpu" + rank + " ch" + ch + " " + role + " push", Accounting.SM, rank, hw.smPushBps);
    }

    /** @return the SM pool of a rank's low-latency blocks (copy throughput of {@code blocks} full blocks). */
    int smPool(final int rank, final String role, final int blocks, final int warps) {
        return resource("gpu" + rank + " " + role + " (" + blocks + " blocks)", Accounting.SM, rank,
            hw.smCopy(warps) * blocks);
    }

    /** @return the NVLink push pool of a rank's low-latency blocks. */
    int smPushPool(final int rank, final String role, final int blocks) {
        return resource("gpu" + rank + " " + role + " push (" + blocks + " blocks)", Accounting.SM, rank,
            hw.smPushBps * blocks);
    }

    int nic(final int rank) {
        return shape.nodeOf(rank) * hw.nicsPerNode + Math.min(shape.localOf(rank) / hw.gpusPerNic,
            hw.nicsPerNode - 1);
    }

    private int nicOwner(final int nic) {
        final int node = nic / hw.nicsPerNode;
        return shape.rankOf(node, Math.min(shape.gpusPerNode() - 1, (nic % hw.nicsPerNode) * hw.gpusPerNic));
    }

    /**
     * The resources of an RDMA transfer from {@code src}'s NIC to {@code dst}'s NIC: GPU and NIC PCIe on both ends,
     * NIC TX and RX, and the sender's fabric uplink when oversubscribed and the transfer leaves its rail.
     *
     * @param src source rank.
     * @param dst destination rank.
     * @return the path.
     */
    int[] rdmaPath(final int src, final int dst) {
        final int a = nic(src);
        final int b = nic(dst);
        final List<Integer> p = new ArrayList<>();
        p.add(resource("gpu" + src + " pcie-tx", Accounting.PCIE, src, hw.gpuPcieBps));
        if (hw.gpusPerNic > 1 || hw.nicPcieBps < hw.gpuPcieBps) {
            p.add(resource("nic" + a + " pcie-tx", Accounting.PCIE, nicOwner(a), hw.nicPcieBps));
        }
        p.add(resource("nic" + a + " tx", Accounting.RDMA, nicOwner(a), hw.nicBps));
        final boolean spine = !c.hardware().topology().railOptimized() || shape.localOf(src) != shape.localOf(dst);
        if (hw.fabricBps > 0 && spine) {
            p.add(resource("nic" + a + " fabric uplink", Accounting.RDMA, nicOwner(a), hw.fabricBps));
        }
        p.add(resource("nic" + b + " rx", Accounting.RDMA, nicOwner(b), hw.nicBps));
        if (hw.gpusPerNic > 1 || hw.nicPcieBps < hw.gpuPcieBps) {
            p.add(resource("nic" + b + " pcie-rx", Accounting.PCIE, nicOwner(b), hw.nicPcieBps));
        }
        p.add(resource("gpu" + dst + " pcie-rx", Accounting.PCIE, dst, hw.gpuPcieBps));
        final int[] out = new int[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i);
        }
        return out;
    }

    /**
     * @param src   the writing rank.
     * @param dst   the rank whose buffer is written.
     * @param copy  the writer's copy resource.
     * @param push  the writer's NVLink push resource.
     * @return the path of an NVLink write ({@code copy} alone when {@code src == dst}).
     */
    int[] nvlPath(final int src, final int dst, final int copy, final int push) {
        if (src == dst) {
            return new int[] {copy};
        }
        return new int[] {copy, push, nvlTx(src), nvlRx(dst)};
    }

    /** @return the latency until a flag written by {@code src} is visible at {@code dst}, both on one node. */
    long flagPs(final int src, final int dst) {
        return src == dst ? hw.localFlagPs : hw.nvlFlagPs;
    }

    Ring ring(final String name, final double capacity, final double total, final long tailPs, final long headPs) {
        final Ring r = new Ring(sim, name, capacity, total, tailPs, headPs);
        rings.add(r);
        return r;
    }

    private SimulationException deadlock() {
        final StringBuilder sb = new StringBuilder();
        sb.append(label()).append(" (").append(c.config()).append(") cannot make progress: no event is pending at t=")
            .append(String.format(Locale.ROOT, "%.3f", sim.nowPs() / (double) Durations.PS_PER_US))
            .append(" us while ").append(pending).append(" of ").append(pipes.size()).append(" stages wait.");
        int shown = 0;
        for (final Ring r : rings) {
            if (r.producerBlocked() && shown < 4) {
                sb.append(" Blocked: ").append(r.name()).append(" (capacity ").append(Ports.fmt(r.capacity()))
                    .append(" tokens, ").append(Ports.fmt(r.tail())).append(" of ").append(Ports.fmt(r.total()))
                    .append(" published, head seen ").append(Ports.fmt(r.headVisible())).append("): ")
                    .append(r.producerNeed()).append('.');
                shown++;
            }
        }
        if (shown == 0) {
            for (final Pipe p : pipes) {
                if (!p.finished() && shown < 4) {
                    sb.append(" Waiting: ").append(p).append('.');
                    shown++;
                }
            }
        } else {
            sb.append(" Raise the ring size (nvlRecvTokens / rdmaRecvTokens) or lower the chunk.");
        }
        return new SimulationException(sb.toString());
    }
}
