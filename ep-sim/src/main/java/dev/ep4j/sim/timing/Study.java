package dev.ep4j.sim.timing;

import dev.ep4j.api.config.ConfigKind;
import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.EpMode;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.RoutingConfig;
import dev.ep4j.api.config.RoutingType;
import dev.ep4j.api.config.ScenarioConfig;
import dev.ep4j.api.config.TopologyConfig;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.api.kernel.DefaultConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to simulate: one or more resolved scenarios, each with its EP sizes and (normal kernels) SM counts. Every EP
 * size gives a dispatch and a combine case; normal kernels use ep4j's default configs for the shape
 * ({@link DefaultConfigs#forTopology}), once per SM count. Immutable; thread-safe.
 *
 * @param title     a one-line description for reports.
 * @param scenarios the scenarios, simulated in this order.
 */
public record Study(String title, List<ResolvedScenario> scenarios) {
    /** Id of the cluster the default study's normal kernels run on (8 nodes of 8 H800, one CX7 per GPU). */
    public static final String DEFAULT_TOPOLOGY = "h800-8x8-cx7";

    /**
     * Copies the list.
     *
     * @param title     a one-line description.
     * @param scenarios the scenarios.
     */
    public Study {
        scenarios = List.copyOf(scenarios);
    }

    /**
     * @param scenario a resolved scenario file.
     * @return a study of that scenario alone, titled with its name.
     */
    public static Study of(final ResolvedScenario scenario) {
        return new Study(scenario.scenario().name(), List.of(scenario));
    }

    /**
     * The built-in default (the issue's, DESIGN.md §8): DeepSeek-V3 on H800 + ConnectX-7, 8 GPUs per node;
     * normal kernels at EP 8, 16, 32, 64 (4096 tokens per rank, FP8 dispatch, BF16 combine, 24 SMs, default configs,
     * group-limited routing to at most 4 nodes, as DeepEP's internode test) and low-latency kernels at EP 8, 16, 32,
     * 64, 128, 256 (128 tokens per rank, 288 experts where the EP size divides 288, else 256; FP8 dispatch, BF16
     * combine; uniform routing with 10 masked entries per rank, as DeepEP's low-latency test). Hardware and
     * workloads come from the files under {@code root}; the cluster for EP 256 is {@value #DEFAULT_TOPOLOGY}
     * extended to 32 nodes.
     *
     * @param root the configs root.
     * @return the study.
     * @throws dev.ep4j.api.error.ConfigException when a file is missing or invalid.
     */
    public static Study deepSeekV3H800(final Path root) {
        final ResolvedTopology base = Configs.resolveTopology(root, DEFAULT_TOPOLOGY);
        final ResolvedTopology big = withNodes(base, 32);
        final WorkloadConfig prefill = Configs.resolve(root, WorkloadConfig.class, "deepseek-v3-prefill");
        final WorkloadConfig decode = Configs.resolve(root, WorkloadConfig.class, "deepseek-v3-decode");
        final List<Integer> llEp = List.of(8, 16, 32, 64, 128, 256);
        final List<Integer> ep288 = new ArrayList<>();
        final List<Integer> ep256 = new ArrayList<>();
        for (final int ep : llEp) {
            (decode.experts() % ep == 0 ? ep288 : ep256).add(ep);
        }
        final WorkloadConfig decode256 = withExperts(decode, 256);
        final List<ResolvedScenario> list = new ArrayList<>();
        list.add(new ResolvedScenario(scenario("deepseek-v3-h800", "DeepSeek-V3 normal kernels, 24 SMs",
            base.topology().id(), prefill.id(), List.of(8, 16, 32, 64), List.of(24), RoutingType.GROUP_LIMITED),
            base, prefill));
        list.add(new ResolvedScenario(scenario("deepseek-v3-decode-h800", "DeepSeek-V3 low-latency kernels, "
            + decode.experts() + " experts", big.topology().id(), decode.id(), ep288, List.of(), RoutingType.UNIFORM),
            big, decode));
        list.add(new ResolvedScenario(scenario("deepseek-v3-decode-256e-h800", "DeepSeek-V3 low-latency kernels, 256"
            + " experts", big.topology().id(), decode256.id(), ep256, List.of(), RoutingType.UNIFORM), big,
            decode256));
        return new Study("DeepSeek-V3 on H800 + CX7 (built-in default): normal EP 8-64, low-latency EP 8-256",
            list);
    }

    private static ScenarioConfig scenario(final String id, final String name, final String topology,
        final String workload, final List<Integer> ep, final List<Integer> sms, final RoutingType routing) {
        return new ScenarioConfig(ConfigKind.SCENARIO, id, name, topology, workload, ep, sms,
            new RoutingConfig(routing, null, null), 0);
    }

    /**
     * @param base  a cluster.
     * @param nodes the node count wanted.
     * @return the same cluster with {@code nodes} nodes and the id {@code <base id>-<nodes>n} ({@code base}
     *     itself when it already has that many).
     */
    public static ResolvedTopology withNodes(final ResolvedTopology base, final int nodes) {
        final TopologyConfig t = base.topology();
        if (t.nodes() == nodes) {
            return base;
        }
        final TopologyConfig n = new TopologyConfig(t.kind(), t.id() + "-" + nodes + "n", t.name() + " (extended"
            + " to " + nodes + " nodes)", nodes, t.gpusPerNode(), t.gpuProfileId(), t.nicProfileId(), t.nicsPerNode(),
            t.railOptimized(), t.fabricOversubscription(), t.fabricRouting(), t.fabricSwitchHops(),
            t.switchHopLatencyNs(), t.sharedGpu(), t.sources());
        return new ResolvedTopology(n, base.gpu(), base.gpuPcie(), base.nic(), base.nicPcie());
    }

    private static WorkloadConfig withExperts(final WorkloadConfig w, final int experts) {
        return new WorkloadConfig(w.kind(), w.id() + "-" + experts + "e", w.name() + " (" + experts + " experts)",
            w.model(), w.source(), w.tokensPerRank(), w.hidden(), experts, w.topK(), w.numTopkGroups(), w.mode(),
            w.dispatchDtype(), w.combineDtype());
    }

    /**
     * @return every case: per scenario, per EP size, per SM count (normal), dispatch then combine.
     */
    public List<CaseSpec> cases() {
        final List<CaseSpec> out = new ArrayList<>();
        for (final ResolvedScenario s : scenarios) {
            for (final int ep : s.scenario().epSizes()) {
                if (s.workload().mode() == EpMode.LOW_LATENCY) {
                    out.add(new CaseSpec(s, ep, OpKind.LL_DISPATCH, null));
                    out.add(new CaseSpec(s, ep, OpKind.LL_COMBINE, null));
                    continue;
                }
                for (final int sms : s.scenario().numSms()) {
                    final var shape = s.topology().topology().shapeForRanks(ep);
                    out.add(new CaseSpec(s, ep, OpKind.DISPATCH, DefaultConfigs.forTopology(shape, sms, false)));
                    out.add(new CaseSpec(s, ep, OpKind.COMBINE, DefaultConfigs.forTopology(shape, sms, true)));
                }
            }
        }
        return out;
    }
}
