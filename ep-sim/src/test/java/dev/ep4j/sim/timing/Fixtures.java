package dev.ep4j.sim.timing;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.NicProfile;
import dev.ep4j.api.config.PcieProfile;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/** Hand-made hardware and routing for the timing tests: round capacities so bounds are easy to compute by hand. */
final class Fixtures {
    /** NVLink per GPU per direction, GB/s. */
    static final double NVL = 100;
    /** One SM's copy throughput, GB/s. */
    static final double SM = 50;
    /** NIC per direction, GB/s. */
    static final double NIC = 50;
    /** PCIe per direction, GB/s (never binding here). */
    static final double PCIE = 60;

    private Fixtures() {
    }

    /**
     * @param nodes        nodes of the cluster.
     * @param gpusPerNode  GPUs per node (one NIC each).
     * @return the H800 + CX7 cluster of configs/ with the round capacities above.
     */
    static ResolvedTopology hardware(final int nodes, final int gpusPerNode) {
        final ResolvedTopology base = Configs.resolveTopology(Configs.defaultRoot(), "h800-8x2-cx7");
        final GpuProfile gpu = base.gpu().withNvlinkEffectiveBandwidthGBps(NVL).withSmCopyThroughputGBps(SM);
        final NicProfile n = base.nic();
        final NicProfile nic = new NicProfile(n.kind(), n.id(), n.name(), n.transport(), n.lineRateGbps(), NIC,
            n.messageRatePerSec(), n.latencyNs(), n.pcieProfileId(), n.sources());
        final PcieProfile p = base.gpuPcie();
        final PcieProfile pcie = new PcieProfile(p.kind(), p.id(), p.name(), p.generation(), p.lanes(),
            p.transferRateGTps(), p.rawBandwidthGBps(), PCIE, p.sources());
        final TopologyConfig t = base.topology();
        final TopologyConfig topo = new TopologyConfig(t.kind(), t.id(), t.name(), nodes, gpusPerNode,
            t.gpuProfileId(), t.nicProfileId(), gpusPerNode, t.railOptimized(), t.fabricOversubscription(),
            t.fabricRouting(), t.fabricSwitchHops(), t.switchHopLatencyNs(), t.sharedGpu(), t.sources());
        return new ResolvedTopology(topo, gpu, pcie, nic, pcie);
    }

    /**
     * @param tokens tokens per rank.
     * @param k      K.
     * @param ranks  ranks.
     * @param expert expert of (rank, token, slot).
     * @return every rank's top-k.
     */
    static List<HostTensor> topk(final int tokens, final int k, final int ranks, final ExpertFn expert) {
        final List<HostTensor> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            final HostTensor t = HostTensor.zeros(DType.INT64, tokens, k);
            for (int i = 0; i < tokens; i++) {
                for (int j = 0; j < k; j++) {
                    t.setLong((long) i * k + j, expert.of(r, i, j));
                }
            }
            out.add(t);
        }
        return out;
    }

    /** Expert choice of a hand-made routing. */
    @FunctionalInterface
    interface ExpertFn {
        long of(int rank, int token, int slot);
    }

    /** A normal-kernel case. */
    static TimingCase normal(final ResolvedTopology hw, final Topology shape, final OpKind op,
        final KernelConfig cfg, final int hidden, final int k, final boolean fp8, final int experts,
        final List<HostTensor> topk) {
        return new TimingCase(hw, shape, op, cfg, hidden, k, fp8, false,
            Traffic.of(shape, cfg.channels(), experts, topk), null, 0);
    }
}
