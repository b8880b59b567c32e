package dev.ep4j.sim.pipeline;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.net.Path;
import dev.ep4j.sim.net.ResourceKind;
import dev.ep4j.sim.timing.Accounting;
import dev.ep4j.sim.timing.AnalyticalModel;
import dev.ep4j.sim.timing.TimingCase;

/**
 * The hardware of one simulated kernel as resources of a {@link Pipeline}, with exactly the capacities the analytical
 * bound uses ({@link Accounting#loads}), so every byte the bound counts crosses a resource of the same capacity here
 * and the simulated time can never be below the bound: per GPU NVLink egress and ingress
 * ({@code nvlinkEffectiveBandwidthGBps}); per NIC TX and RX ({@code effectiveBandwidthGBps}, GPU {@code l} on NIC
 * {@code l / (gpus per NIC)}, rail-optimized), their message issue, the PCIe links of GPU and NIC, fabric uplinks when
 * oversubscribed; per channel and SM role the SM's copy throughput ({@code smCopyThroughputGBps}). Latencies in
 * picoseconds from the same profiles.
 *
 * <p>Not thread-safe; one per pipeline.
 */
final class Cluster {
    final Pipeline p;
    final Topology shape;
    final long nvlDataPs;
    final long nvlFlagPs;
    final long localFlagPs;
    final long rdmaPs;
    private final ResolvedTopology hw;
    private final double nvlBps;
    private final double nicBps;
    private final double smBps;
    private final int nicsPerNode;
    private final int gpusPerNic;

    Cluster(final Pipeline p, final TimingCase c) {
        this.p = p;
        this.shape = c.shape();
        this.hw = c.hardware();
        final GpuProfile g = hw.gpu();
        final TopologyConfig t = hw.topology();
        this.nvlBps = g.nvlinkEffectiveBandwidthGBps() * 1e9;
        final double perGpu = t.nicsPerNode() > t.gpusPerNode() ? (double) t.nicsPerNode() / t.gpusPerNode() : 1.0;
        this.nicBps = hw.nic().effectiveBandwidthGBps() * perGpu * 1e9;
        this.smBps = g.smCopyThroughputGBps() * 1e9;
        this.nicsPerNode = Math.max(1, Math.min(t.nicsPerNode(), shape.gpusPerNode()));
        this.gpusPerNic = Math.max(1, shape.gpusPerNode() / nicsPerNode);
        this.nvlDataPs = ps(g.nvlinkDataLatencyNs());
        this.nvlFlagPs = ps(g.nvlinkFlagLatencyNs());
        this.localFlagPs = ps(g.localFlagLatencyNs());
        this.rdmaPs = ps(AnalyticalModel.rdmaLatencyNs(hw));
    }

    static long ps(final double ns) {
        return Math.round(ns * Durations.PS_PER_NS);
    }

    /**
     * @param rank    a rank.
     * @param channel a channel.
     * @param role    the SM's role, e.g. "sender".
     * @param blocks  SMs pooled in this resource (1 for one channel's SM; fractional for a group of channels, see
     *                {@link NormalPipelines}).
     * @return the SM resource.
     */
    int sm(final int rank, final int channel, final String role, final double blocks) {
        final String name = "gpu" + rank + " sm " + (channel >= 0 ? "ch" + channel + " " : "") + role;
        return p.resource(name, ResourceKind.SM_COPY, Accounting.SM, rank, smBps * blocks, 0);
    }

    int nvlTx(final int rank) {
        return p.resource("gpu" + rank + " nvlink-tx", ResourceKind.NVLINK_EGRESS, Accounting.NVLINK, rank, nvlBps, 0);
    }

    int nvlRx(final int rank) {
        return p.resource("gpu" + rank + " nvlink-rx", ResourceKind.NVLINK_INGRESS, Accounting.NVLINK, rank, nvlBps,
            0);
    }

    /**
     * An NVLink (or, for {@code src == dst}, local) transfer driven by {@code sm}.
     *
     * @return the path.
     */
    Path nvl(final int sm, final int src, final int dst) {
        return src == dst ? p.path(sm) : p.path(sm, nvlTx(src), nvlRx(dst));
    }

    /** @return data latency of {@link #nvl}. */
    long nvlLatency(final int src, final int dst) {
        return src == dst ? 0 : nvlDataPs;
    }

    /** @return flag latency between two ranks of one node. */
    long flag(final int src, final int dst) {
        return src == dst ? localFlagPs : nvlFlagPs;
    }

    private int nic(final int rank) {
        return shape.nodeOf(rank) * nicsPerNode + Math.min(shape.localOf(rank) / gpusPerNic, nicsPerNode - 1);
    }

    /**
     * An RDMA transfer from {@code src}'s NIC to {@code dst}'s, optionally driven by an SM.
     *
     * @param sm             the SM resource, or -1.
     * @param messageBytes   bytes per message when every message of the kernel has that size (the NIC's message rate
     *                       becomes a byte rate); 0 to charge one issue slot per transfer at half the message rate (a
     *                       chunk plus its tail write).
     * @return the path.
     */
    Path rdma(final int sm, final int src, final int dst, final long messageBytes) {
        final int a = nic(src);
        final int b = nic(dst);
        final double rate = hw.nic().messageRatePerSec();
        final long slots = messageBytes > 0 || rate <= 0 ? 0 : Math.max(1L, Math.round(rate / 2));
        final int tx = p.resource("nic" + a + " tx", ResourceKind.NIC_TX, Accounting.RDMA, src, nicBps, slots);
        final int rx = p.resource("nic" + b + " rx", ResourceKind.NIC_RX, Accounting.RDMA, dst, nicBps, 0);
        final double gpuPcie = hw.gpuPcie().effectiveBandwidthGBps() * 1e9;
        final double nicPcie = hw.nicPcie().effectiveBandwidthGBps() * 1e9;
        final int[] hops = new int[8];
        int k = 0;
        if (sm >= 0) {
            hops[k++] = sm;
        }
        // A PCIe link that carries exactly the flows of a NIC port (one GPU per NIC) and is at least as fast can never
        // be a flow's bottleneck under equal sharing; it is left out of the path to keep rate updates cheap.
        final boolean pcieBinds = gpusPerNic > 1 || Math.min(gpuPcie, nicPcie) < nicBps;
        if (pcieBinds) {
            hops[k++] = p.resource("gpu" + src + " pcie-tx", ResourceKind.PCIE, Accounting.PCIE, src, gpuPcie, 0);
            hops[k++] = p.resource("nic" + a + " pcie-tx", ResourceKind.PCIE, Accounting.PCIE, src, nicPcie, 0);
        }
        hops[k++] = tx;
        hops[k++] = rx;
        if (pcieBinds) {
            hops[k++] = p.resource("nic" + b + " pcie-rx", ResourceKind.PCIE, Accounting.PCIE, dst, nicPcie, 0);
            hops[k++] = p.resource("gpu" + dst + " pcie-rx", ResourceKind.PCIE, Accounting.PCIE, dst, gpuPcie, 0);
        }
        // The message-issue limit as a byte rate carries exactly the flows of the NIC's TX port (one message size per
        // kernel); when it is at least the port's rate it can never be a flow's bottleneck and is left out.
        if (messageBytes > 0 && rate > 0 && rate * messageBytes < nicBps) {
            hops[k++] = p.resource("nic" + a + " message issue", ResourceKind.NIC_TX, Accounting.RDMA, src,
                rate * messageBytes, 0);
        }
        final TopologyConfig t = hw.topology();
        if (t.fabricOversubscription() > 1 && (!t.railOptimized() || shape.localOf(src) != shape.localOf(dst))) {
            hops[k++] = p.resource("nic" + a + " fabric uplink", ResourceKind.FABRIC, Accounting.RDMA, src,
                nicBps / t.fabricOversubscription(), 0);
        }
        return p.path(java.util.Arrays.copyOf(hops, k));
    }

    /**
     * @param tokens   a rank's tokens T.
     * @param channels C.
     * @param channel  c.
     * @return tokens of channel c ({@code [min(ceil(T/C)·c, T), min(ceil(T/C)·(c+1), T))}, as the executor splits).
     */
    static int channelTokens(final int tokens, final int channels, final int channel) {
        final int q = Math.max(1, (tokens + channels - 1) / channels);
        return Math.max(0, Math.min(q * (channel + 1), tokens) - Math.min(q * channel, tokens));
    }
}
