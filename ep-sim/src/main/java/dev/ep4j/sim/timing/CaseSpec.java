package dev.ep4j.sim.timing;

import dev.ep4j.api.config.EpMode;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;

/**
 * One kernel of a study: a scenario (hardware, workload, routing), an EP size, the op and, for the normal kernels,
 * the config (SMs, chunk and ring sizes). Immutable; thread-safe.
 *
 * @param scenario the resolved scenario.
 * @param ep       the EP size (ranks).
 * @param op       the kernel; normal ops for normal workloads, low-latency ops for low-latency ones.
 * @param config   the normal kernel's config; null for low-latency.
 */
public record CaseSpec(ResolvedScenario scenario, int ep, OpKind op, KernelConfig config) {

    /**
     * @return the group's shape on the scenario's cluster.
     */
    public Topology shape() {
        return scenario.topology().topology().shapeForRanks(ep);
    }

    /**
     * @return true for the low-latency kernels.
     */
    public boolean lowLatency() {
        return scenario.workload().mode() == EpMode.LOW_LATENCY;
    }

    /**
     * @return e.g. {@code "normal EP16 dispatch"} or {@code "low-latency EP8 combine"}.
     */
    public String label() {
        return AnalyticalModel.mode(op) + " EP" + ep + " " + AnalyticalModel.opName(op);
    }
}
