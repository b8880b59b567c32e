package dev.ep4j.api.config;

import dev.ep4j.api.error.ConfigException;
import java.util.List;

/**
 * A {@link ScenarioConfig} with its topology, hardware and workload, checked to fit together: every EP size fits the
 * cluster and divides the expert count, SM counts fit the GPU and match the kernel family, and group-limited routing
 * has a group limit. Built by {@link Configs#resolveScenario}.
 *
 * <p>The canonical constructor checks that the parts fit together and throws
 * {@link ConfigException} naming the scenario field at fault (with the list index).
 *
 * <p>Immutable and thread-safe.
 *
 * @param scenario the scenario.
 * @param topology the topology named by {@code scenario.topologyId()}, resolved.
 * @param workload the workload named by {@code scenario.workloadId()}.
 */
public record ResolvedScenario(ScenarioConfig scenario, ResolvedTopology topology, WorkloadConfig workload) {

    /**
     * Checks that the parts fit together.
     *
     * @param scenario the scenario.
     * @param topology the topology named by {@code scenario.topologyId()}, resolved.
     * @param workload the workload named by {@code scenario.workloadId()}.
     * @throws ConfigException naming the scenario field at fault (with the list index), with the values involved.
     */
    public ResolvedScenario {
        final String type = "scenario " + Check.notNull("ResolvedScenario", "scenario", scenario).id();
        Check.notNull(type, "topology", topology);
        Check.notNull(type, "workload", workload);
        if (!scenario.topologyId().equals(topology.topology().id())) {
            throw Check.fail(type, "topologyId", "topologyId references \"" + scenario.topologyId()
                + "\" but topology \""
                + topology.topology().id() + "\" was given");
        }
        if (!scenario.workloadId().equals(workload.id())) {
            throw Check.fail(type, "workloadId", "workloadId references \"" + scenario.workloadId()
                + "\" but workload \""
                + workload.id() + "\" was given");
        }
        final TopologyConfig cluster = topology.topology();
        final List<Integer> epSizes = scenario.epSizes();
        for (int i = 0; i < epSizes.size(); i++) {
            final int ep = epSizes.get(i);
            final String field = "epSizes[" + i + "]";
            try {
                cluster.shapeForRanks(ep);
            } catch (final ConfigException e) {
                throw Check.fail(type, field, field + "=" + ep + ": " + e.getMessage());
            }
            if (workload.experts() % ep != 0) {
                throw Check.fail(type, field, field + "=" + ep + " does not divide the " + workload.experts()
                    + " experts of workload " + workload.id() + " (every rank holds experts / EP size experts)");
            }
        }
        final List<Integer> numSms = scenario.numSms();
        if (workload.mode() == EpMode.NORMAL && numSms.isEmpty()) {
            throw Check.fail(type, "numSms", "numSms is empty but workload " + workload.id() + " runs the normal"
                + " kernels: list at least one even SM count, e.g. [24]");
        }
        if (workload.mode() == EpMode.LOW_LATENCY && !numSms.isEmpty()) {
            throw Check.fail(type, "numSms", "numSms=" + numSms + " but workload " + workload.id() + " runs the"
                + " low-latency kernels, whose SM count follows from the experts: write []");
        }
        for (int i = 0; i < numSms.size(); i++) {
            if (numSms.get(i) > topology.gpu().smCount()) {
                throw Check.fail(type, "numSms[" + i + "]", "numSms[" + i + "]=" + numSms.get(i) + " exceeds the "
                    + topology.gpu().smCount() + " SMs of gpu " + topology.gpu().id());
            }
        }
        if (scenario.routing().type() == RoutingType.GROUP_LIMITED && workload.numTopkGroups() == null) {
            throw Check.fail(type, "routing.type", "routing type group-limited needs a group limit, but workload "
                + workload.id() + " has numTopkGroups=null: use uniform or zipf routing, or set numTopkGroups");
        }
    }
}
