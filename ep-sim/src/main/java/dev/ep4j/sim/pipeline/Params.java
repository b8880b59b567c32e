package dev.ep4j.sim.pipeline;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.timing.AnalyticalModel;

/**
 * The pipeline models' parameters for one case, in simulator units (bytes per second, picoseconds), all taken from
 * the hardware profiles of the case (nothing is fitted here; the calibrated values live in
 * {@code configs/hardware/}, see docs/calibration.md).
 *
 * <ul>
 *   <li>Per GPU and direction: NVLink {@code nvlinkEffectiveBandwidthGBps}; PCIe of GPU and NIC; NIC TX/RX
 *       {@code effectiveBandwidthGBps} (times NICs per GPU when a GPU has several; shared when GPUs share a NIC);
 *       fabric uplinks at the NIC rate over {@code fabricOversubscription} when it is above 1.</li>
 *   <li>Per SM: local copy throughput {@code smCopyThroughputGBps x min(1, warps/32)} (latency-bound: proportional
 *       to the warps of the block, spec/calibration.md's single-block table) and, for the bytes an SM writes to peer
 *       GPUs, {@code smNvlinkPushGBps}.</li>
 *   <li>Latencies: NVLink data and flag visibility, a flag through L2 on the same GPU, one RDMA hop
 *       ({@link AnalyticalModel#rdmaLatencyNs}); the kernel's fixed in-kernel cost {@code kernelFixedNs}.</li>
 * </ul>
 *
 * <p>Immutable; thread-safe.
 */
final class Params {
    final double nvlBps;
    final double nicBps;
    final double gpuPcieBps;
    final double nicPcieBps;
    final double fabricBps;
    final double smCopyBps;
    final double smPushBps;
    final double hbmBps;
    final long nvlDataPs;
    final long nvlFlagPs;
    final long localFlagPs;
    final long rdmaPs;
    final long fixedPs;
    final int nicsPerNode;
    final int gpusPerNic;
    final int smCount;

    Params(final ResolvedTopology hw, final int gpusPerNode) {
        final GpuProfile g = hw.gpu();
        final TopologyConfig t = hw.topology();
        this.nvlBps = Double.parseDouble(System.getProperty("ep4j.des.nvlGBps", String.valueOf(g.nvlinkEffectiveBandwidthGBps()))) * 1e9;
        this.nicsPerNode = Math.max(1, Math.min(t.nicsPerNode(), t.gpusPerNode()));
        this.gpusPerNic = Math.max(1, gpusPerNode / nicsPerNode);
        final double perGpu = t.nicsPerNode() > t.gpusPerNode() ? (double) t.nicsPerNode() / t.gpusPerNode() : 1.0;
        this.nicBps = hw.nic().effectiveBandwidthGBps() * perGpu * 1e9;
        this.gpuPcieBps = hw.gpuPcie().effectiveBandwidthGBps() * 1e9;
        this.nicPcieBps = hw.nicPcie().effectiveBandwidthGBps() * 1e9;
        this.fabricBps = t.fabricOversubscription() > 1 ? nicBps / t.fabricOversubscription() : 0;
        this.smCopyBps = g.smCopyThroughputGBps() * 1e9;
        this.smPushBps = Double.parseDouble(System.getProperty("ep4j.des.pushGBps", "13.5")) * 1e9;
        this.hbmBps = g.hbmBandwidthGBps() * 1e9;
        this.nvlDataPs = ps(g.nvlinkDataLatencyNs());
        this.nvlFlagPs = ps(g.nvlinkFlagLatencyNs());
        this.localFlagPs = ps(g.localFlagLatencyNs());
        this.rdmaPs = ps(AnalyticalModel.rdmaLatencyNs(hw));
        this.fixedPs = ps(Double.parseDouble(System.getProperty("ep4j.des.fixedNs", "0")));
        this.smCount = g.smCount();
    }

    /**
     * @param warps warps of the block that copies.
     * @return the block's local copy throughput, bytes per second.
     */
    double smCopy(final int warps) {
        return smCopyBps * Math.min(1.0, warps / 32.0);
    }

    private static long ps(final double ns) {
        return Math.round(ns * Durations.PS_PER_NS);
    }
}
