package dev.ep4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The records validate on construction (naming field, value and range), copy their collections, and the shared
 * mapper is strict on its own, without the loader's structural pass.
 */
class ConfigRecordsTest {
    private static final RoutingConfig UNIFORM = new RoutingConfig(RoutingType.UNIFORM, null, null);

    private static WorkloadConfig workload(final int hidden, final int topK, final EpMode mode,
        final DispatchDtype dispatch, final CombineDtype combine) {
        return new WorkloadConfig(ConfigKind.WORKLOAD, "w", "W", "M", "test", 128, hidden, 256, topK, null, mode,
            dispatch, combine);
    }

    private static TopologyConfig topology(final int nodes, final int gpusPerNode, final int nicsPerNode) {
        return new TopologyConfig(ConfigKind.TOPOLOGY, "t", "T", nodes, gpusPerNode, "h800", "cx7-400g", nicsPerNode,
            true, 1.0, FabricRouting.ADAPTIVE, 1, 300, null, Map.of("fabricOversubscription", "x",
            "switchHopLatencyNs", "y"));
    }

    @Test
    void shouldNameFieldValueAndRangeWhenAValueIsOutOfRange() {
        assertThatThrownBy(() -> new NvSwitchSpec(4, true, 0))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("NvSwitchSpec: ")
            .hasMessageContaining("aggregateBandwidthGBps=0")
            .hasMessageContaining("(0, 1000000] GB/s");
        assertThatThrownBy(() -> new NvSwitchSpec(4, true, Double.NaN))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("aggregateBandwidthGBps=NaN");
        assertThatThrownBy(() -> topology(0, 8, 8))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("nodes=0 is outside the allowed range [1, 65536]");
    }

    @Test
    void shouldRejectWorkloadsDeepEpCannotRun() {
        assertThatThrownBy(() -> workload(7000, 8, EpMode.NORMAL, DispatchDtype.FP8, CombineDtype.BF16))
            .hasMessageContaining("hidden=7000 must be a multiple of 128");
        assertThat(workload(7000, 8, EpMode.NORMAL, DispatchDtype.BF16, CombineDtype.BF16).hidden()).isEqualTo(7000);
        assertThatThrownBy(() -> workload(7168, 33, EpMode.NORMAL, DispatchDtype.FP8, CombineDtype.BF16))
            .hasMessageContaining("topK=33 is outside the allowed range [1, 32]");
        assertThatThrownBy(() -> workload(7168, 8, EpMode.NORMAL, DispatchDtype.FP8, CombineDtype.LOGFMT10))
            .hasMessageContaining("combineDtype=logfmt10 is only supported with mode=low-latency");
    }

    @Test
    void shouldRejectKindOfAnotherRecord() {
        assertThatThrownBy(() -> new WorkloadConfig(ConfigKind.GPU, "w", "W", "M", "s", 1, 128, 8, 1, null,
            EpMode.NORMAL, DispatchDtype.FP8, CombineDtype.BF16))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("kind=gpu");
    }

    @Test
    void shouldCopyCollectionsSoRecordsStayImmutable() {
        final List<Integer> epSizes = new ArrayList<>(List.of(8, 16));
        final ScenarioConfig scenario =
            new ScenarioConfig(ConfigKind.SCENARIO, "s", "S", "t", "w", epSizes, List.of(24), UNIFORM, 1);
        epSizes.add(32);

        assertThat(scenario.epSizes()).containsExactly(8, 16);
        assertThatThrownBy(() -> scenario.epSizes().add(1)).isInstanceOf(UnsupportedOperationException.class);

        final Map<String, String> sources = new LinkedHashMap<>(Map.of("fabricOversubscription", "a"));
        sources.put("switchHopLatencyNs", "b");
        final TopologyConfig t = new TopologyConfig(ConfigKind.TOPOLOGY, "t", "T", 2, 8, "g", "n", 8, true, 1.0,
            FabricRouting.ADAPTIVE, 1, 300, null, sources);
        sources.clear();

        assertThat(t.sources()).containsOnlyKeys("fabricOversubscription", "switchHopLatencyNs");
        assertThatThrownBy(() -> t.sources().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldRejectUnsortedOrDuplicateEpSizes() {
        assertThatThrownBy(() -> new ScenarioConfig(ConfigKind.SCENARIO, "s", "S", "t", "w", List.of(16, 16),
            List.of(24), UNIFORM, 1))
            .hasMessageContaining("epSizes[1]=16 must be greater than epSizes[0]=16");
    }

    @Test
    void shouldRequireTheParameterOfTheRoutingType() {
        assertThatThrownBy(() -> new RoutingConfig(RoutingType.ZIPF, null, null))
            .hasMessageContaining("RoutingConfig: zipfExponent must not be null");
        assertThatThrownBy(() -> new RoutingConfig(RoutingType.TRACE, null, " "))
            .hasMessageContaining("tracePath must not be blank");
        assertThat(new RoutingConfig(RoutingType.ZIPF, 1.1, null).zipfExponent()).isEqualTo(1.1);
    }

    @Test
    void shouldGiveTheRuntimeShapeOfATopology() {
        final TopologyConfig t = topology(4, 8, 8);

        assertThat(t.shape()).isEqualTo(new Topology(4, 8));
        assertThat(t.ranks()).isEqualTo(32);
        assertThat(t.nicsPerGpu()).isEqualTo(1.0);
        assertThat(t.shapeForRanks(4)).isEqualTo(new Topology(1, 4));
        assertThat(t.shapeForRanks(24)).isEqualTo(new Topology(3, 8));
        assertThatThrownBy(() -> t.shapeForRanks(12))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("multiple of gpusPerNode=8; nearest allowed: 8 or 16");
        assertThatThrownBy(() -> t.shapeForRanks(64)).hasMessageContaining("allowed [1, 32]");
    }

    @Test
    void shouldRequireNicsToSplitEvenlyOverGpus() {
        assertThat(topology(2, 8, 16).nicsPerGpu()).isEqualTo(2.0);
        assertThat(topology(2, 8, 4).nicsPerGpu()).isEqualTo(0.5);
        assertThatThrownBy(() -> topology(2, 8, 3)).hasMessageContaining("nicsPerNode=3 must divide");
        assertThatThrownBy(() -> topology(2, 8, 0)).hasMessageContaining("nicsPerNode=0");
    }

    @Test
    void shouldConfigureTheMapperStrictly() {
        assertThat(Configs.mapper().isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isTrue();
        assertThat(Configs.mapper().isEnabled(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)).isTrue();
        assertThat(Configs.mapper().isEnabled(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)).isTrue();
        assertThat(Configs.mapper().isEnabled(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)).isTrue();
        assertThat(Configs.mapper().isEnabled(MapperFeature.ALLOW_COERCION_OF_SCALARS)).isFalse();
    }

    @Test
    void shouldRejectBadInputInTheMapperItself() {
        final String routing = "{\"type\": \"uniform\", \"zipfExponent\": null, \"tracePath\": null}";

        assertThat(Configs.mapper().readValue(routing, RoutingConfig.class)).isEqualTo(UNIFORM);
        assertThatThrownBy(() -> Configs.mapper().readValue(routing.replace("}", ", \"zipfExponnet\": 1}"),
            RoutingConfig.class))
            .isInstanceOf(UnrecognizedPropertyException.class)
            .hasMessageContaining("zipfExponnet");
        assertThatThrownBy(() -> Configs.mapper().readValue("{\"type\": \"uniform\"}", RoutingConfig.class))
            .isInstanceOf(MismatchedInputException.class)
            .hasMessageContaining("zipfExponent");
        assertThatThrownBy(() -> Configs.mapper().readValue("{\"chipsPerDomain\": \"4\", \"nonBlocking\": true,"
            + " \"aggregateBandwidthGBps\": 1}", NvSwitchSpec.class))
            .isInstanceOf(MismatchedInputException.class);
        assertThatThrownBy(() -> Configs.mapper().readValue("{\"chipsPerDomain\": 4.5, \"nonBlocking\": true,"
            + " \"aggregateBandwidthGBps\": 1}", NvSwitchSpec.class))
            .isInstanceOf(MismatchedInputException.class);
        assertThatThrownBy(() -> Configs.mapper().readValue(routing + " {}", RoutingConfig.class))
            .isInstanceOf(MismatchedInputException.class);
    }

    @Test
    void shouldRecognizeUnitSuffixesOfKeyNames() {
        assertThat(Units.of("latencyNs")).map(Units.Unit::symbol).contains("ns");
        assertThat(Units.of("hbmBandwidthGBps")).map(Units.Unit::symbol).contains("GB/s");
        assertThat(Units.of("lineRateGbps")).map(Units.Unit::symbol).contains("Gb/s");
        assertThat(Units.of("memoryGiB")).map(Units.Unit::symbol).contains("GiB");
        assertThat(Units.of("numSms")).isEmpty();
        assertThat(Units.of("Ns")).isEmpty();
        assertThat(Units.base("nvlinkDataLatencyUs")).isEqualTo("nvlinkDataLatency");
        assertThat(Units.base("smCount")).isEqualTo("smCount");
    }

    @Test
    void shouldSuggestOnlyCloseNames() {
        assertThat(Suggest.distance("gpuPerNode", "gpusPerNode")).isEqualTo(1);
        assertThat(Suggest.distance("chipsPerDomian", "chipsPerDomain")).isEqualTo(1);
        assertThat(Suggest.closest("gpuPerNode", List.of("nodes", "gpusPerNode"))).contains("gpusPerNode");
        assertThat(Suggest.closest("SMCOUNT", List.of("smCount"))).contains("smCount");
        assertThat(Suggest.closest("bandwidth", List.of("nodes", "gpusPerNode"))).isEmpty();
    }

    @Test
    void shouldAcceptSharedGpuOnlyOnOneNodeWithItsSources() {
        final SharedGpuSpec spec = new SharedGpuSpec(3000, 16, List.of(new SmCopyPoint(1, 512, 40)));
        final Map<String, String> sources = new LinkedHashMap<>(Map.of("fabricOversubscription", "a",
            "switchHopLatencyNs", "b", "sharedGpu.hbmCopyGBps", "c", "sharedGpu.probeBytesPerThread", "d"));

        assertThatThrownBy(() -> new TopologyConfig(ConfigKind.TOPOLOGY, "t", "T", 1, 8, "g", "n", 0, true, 1.0,
            FabricRouting.ADAPTIVE, 1, 300, spec, sources))
            .isInstanceOf(ConfigException.class).hasMessageContaining("no source for sharedGpu.smCopyCurve");
        sources.put("sharedGpu.smCopyCurve", "e");
        assertThatThrownBy(() -> new TopologyConfig(ConfigKind.TOPOLOGY, "t", "T", 2, 8, "g", "n", 8, true, 1.0,
            FabricRouting.ADAPTIVE, 1, 300, spec, sources))
            .isInstanceOf(ConfigException.class).hasMessageContaining("nodes must be 1; found nodes=2");
        assertThat(new TopologyConfig(ConfigKind.TOPOLOGY, "t", "T", 1, 8, "g", "n", 0, true, 1.0,
            FabricRouting.ADAPTIVE, 1, 300, spec, sources).virtualRanks()).isTrue();
        assertThat(topology(1, 8, 8).virtualRanks()).isFalse();
        assertThatThrownBy(() -> new SmCopyPoint(1, 16, 40)).isInstanceOf(ConfigException.class)
            .hasMessageContaining("threadsPerBlock=16");
        assertThatThrownBy(() -> new SharedGpuSpec(3000, 16, List.of())).isInstanceOf(ConfigException.class)
            .hasMessageContaining("at least 1 required");
    }
}
