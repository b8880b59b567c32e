package dev.ep4j.api.config;

import dev.ep4j.api.topology.Topology;
import java.util.List;

/**
 * What to run ({@code "kind": "scenario"}, {@code configs/scenarios/<id>.json}): a workload on a topology, for each
 * EP size and SM count listed, with a routing generator and a seed. {@link Configs#resolveScenario} loads the
 * referenced files and checks that they fit together.
 *
 * <p>The canonical constructor validates every field and throws {@link dev.ep4j.api.error.ConfigException}
 * naming the field (with its index for list entries), the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind       always {@link ConfigKind#SCENARIO}.
 * @param id         the file name without {@code .json}, e.g. {@code "deepseek-v3-h800"}.
 * @param name       human-readable description.
 * @param topologyId id of the {@link TopologyConfig} to run on.
 * @param workloadId id of the {@link WorkloadConfig} to run.
 * @param epSizes    EP group sizes to run, ascending without duplicates, each in {@code [1, 65536]}; each must fit
 *                   the topology (checked when resolved).
 * @param numSms     SMs per rank for the normal kernels, ascending without duplicates, each even in
 *                   {@code [2, 1024]} (channels = SMs / 2); empty for low-latency workloads, whose SM count follows
 *                   from the expert count.
 * @param routing    the routing generator.
 * @param seed       seed of the routing generator and every other random stream of the run, in
 *                   {@code [0, 2^63 - 1]}.
 */
public record ScenarioConfig(
    ConfigKind kind,
    String id,
    String name,
    String topologyId,
    String workloadId,
    List<Integer> epSizes,
    List<Integer> numSms,
    RoutingConfig routing,
    long seed) implements ConfigFile {

    private static final String TYPE = "ScenarioConfig";

    /**
     * Validates every field.
     *
     * @param kind always {@link ConfigKind#SCENARIO}.
     * @param id the file name without {@code .json}, e.g. {@code "deepseek-v3-h800"}.
     * @param name human-readable description.
     * @param topologyId id of the {@link TopologyConfig} to run on.
     * @param workloadId id of the {@link WorkloadConfig} to run.
     * @param epSizes EP group sizes to run, ascending without duplicates, each in {@code [1, 65536]}; each must fit
     *     the topology (checked when resolved).
     * @param numSms SMs per rank for the normal kernels, ascending without duplicates, each even in {@code [2, 1024]}
     *     (channels = SMs / 2); empty for low-latency workloads, whose SM count follows from the expert count.
     * @param routing the routing generator.
     * @param seed seed of the routing generator and every other random stream of the run, in {@code [0, 2^63 - 1]}.
     * @throws dev.ep4j.api.error.ConfigException naming the field (with its index for list entries), the value and
     *     the allowed range.
     */
    public ScenarioConfig {
        Check.kind(TYPE, ConfigKind.SCENARIO, kind);
        Check.id(TYPE, "id", id);
        Check.text(TYPE, "name", name);
        Check.id(TYPE, "topologyId", topologyId);
        Check.id(TYPE, "workloadId", workloadId);
        epSizes = Check.list(TYPE, "epSizes", epSizes, 1);
        ascending(epSizes, "epSizes", 1, Topology.MAX_RANKS);
        numSms = Check.list(TYPE, "numSms", numSms, 0);
        ascending(numSms, "numSms", 2, 1024);
        for (int i = 0; i < numSms.size(); i++) {
            if (numSms.get(i) % 2 != 0) {
                throw Check.fail(TYPE, "numSms[" + i + "]", "numSms[" + i + "]=" + numSms.get(i) + " must be even"
                    + " (each channel is an SM pair)");
            }
        }
        Check.notNull(TYPE, "routing", routing);
        Check.range(TYPE, "seed", seed, 0, Long.MAX_VALUE);
    }

    private static void ascending(final List<Integer> values, final String field, final int min, final int max) {
        for (int i = 0; i < values.size(); i++) {
            final String entry = field + "[" + i + "]";
            Check.range(TYPE, entry, values.get(i), min, max);
            if (i > 0 && values.get(i) <= values.get(i - 1)) {
                throw Check.fail(TYPE, entry, entry + "=" + values.get(i) + " must be greater than " + field + "["
                    + (i - 1) + "]=" + values.get(i - 1) + ": list them ascending without duplicates");
            }
        }
    }
}
