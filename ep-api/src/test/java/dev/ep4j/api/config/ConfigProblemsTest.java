package dev.ep4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.ConfigException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bad config content is reported, never thrown by {@link Configs#check}, and thrown as one {@link ConfigException} by
 * {@link Configs#load}: every problem with its JSON path and a reason that says what to write instead.
 */
class ConfigProblemsTest {
    private static final String GPU = "hardware/gpu/h800.json";
    private static final String NIC = "hardware/nic/cx7-400g.json";
    private static final String TOPOLOGY = "topologies/h800-8x2-cx7.json";
    private static final String WORKLOAD = "workloads/deepseek-v3-prefill.json";
    private static final String SCENARIO = "scenarios/deepseek-v3-h800.json";

    @TempDir
    Path dir;

    private static ConfigProblem single(final Path file) {
        final List<ConfigProblem> problems = Configs.check(file);
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    private static void rename(final ObjectNode node, final String from, final String to) {
        final ObjectNode copy = node.deepCopy();
        node.removeAll();
        copy.properties().forEach(e -> node.set(e.getKey().equals(from) ? to : e.getKey(), e.getValue()));
    }

    @Test
    void shouldRejectMisspelledKeyWithItsPath() {
        final Path file = ConfigFixtures.mutated(dir, TOPOLOGY, n -> rename(n, "gpusPerNode", "gpuPerNode"));

        final ConfigProblem problem = single(file);

        assertThat(problem.file()).isEqualTo(file);
        assertThat(problem.jsonPath()).isEqualTo("$.gpuPerNode");
        assertThat(problem.reason()).contains("unknown key 'gpuPerNode'").contains("did you mean 'gpusPerNode'?");
        assertThatThrownBy(() -> Configs.load(file, TopologyConfig.class))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining(file.toString())
            .hasMessageContaining("$.gpuPerNode")
            .hasMessageContaining("did you mean 'gpusPerNode'?");
    }

    @Test
    void shouldRejectMisspelledNestedKeyWithItsPath() {
        final Path file = ConfigFixtures.mutated(dir, GPU,
            n -> rename((ObjectNode) n.get("nvSwitch"), "chipsPerDomain", "chipsPerDomian"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.nvSwitch.chipsPerDomian");
        assertThat(problem.reason()).contains("did you mean 'chipsPerDomain'?");
    }

    @Test
    void shouldRejectKeyWithTheWrongUnitNamingTheExpectedKey() {
        final Path file =
            ConfigFixtures.mutated(dir, GPU, n -> rename(n, "nvlinkDataLatencyNs", "nvlinkDataLatencyUs"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.nvlinkDataLatencyUs");
        assertThat(problem.reason())
            .contains("units are part of key names")
            .contains("microseconds")
            .contains("'nvlinkDataLatencyNs'")
            .contains("nanoseconds");
    }

    @Test
    void shouldRejectBitsPerSecondWhereBytesPerSecondAreExpected() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> rename(n, "hbmBandwidthGBps", "hbmBandwidthGbps"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.hbmBandwidthGbps");
        assertThat(problem.reason()).contains("gigabits per second").contains("'hbmBandwidthGBps'")
            .contains("gigabytes per second");
    }

    @Test
    void shouldRejectKeyWithoutItsUnit() {
        final Path file = ConfigFixtures.mutated(dir, NIC, n -> rename(n, "latencyNs", "latency"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.latency");
        assertThat(problem.reason()).contains("units are part of key names").contains("'latencyNs'")
            .contains("nanoseconds");
    }

    @Test
    void shouldRejectUnitStringWhereANumberIsExpected() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.put("nvlinkBandwidthGBps", "400 GB/s"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.nvlinkBandwidthGBps");
        assertThat(problem.reason()).contains("\"400 GB/s\"").contains("plain number")
            .contains("unit of the key name (GB/s)");
    }

    @Test
    void shouldRejectUnitStringInANestedObject() {
        final Path file = ConfigFixtures.mutated(dir, GPU,
            n -> ((ObjectNode) n.get("nvSwitch")).put("aggregateBandwidthGBps", "1.6 TB/s"));

        assertThat(single(file).jsonPath()).isEqualTo("$.nvSwitch.aggregateBandwidthGBps");
    }

    @Test
    void shouldRejectQuotedNumberForAnInteger() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.put("smCount", "132"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.smCount");
        assertThat(problem.reason()).contains("expected an integer").contains("without quotes");
    }

    @Test
    void shouldRejectFractionForAnInteger() {
        final Path file = ConfigFixtures.mutated(dir, TOPOLOGY, n -> n.put("nodes", 2.5));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.nodes");
        assertThat(problem.reason()).contains("expected an integer").contains("2.5");
    }

    @Test
    void shouldRejectMissingRequiredKeyWithItsPath() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.remove("smCount"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.smCount");
        assertThat(problem.reason()).contains("missing required key 'smCount'").contains("an integer");
    }

    @Test
    void shouldRejectMissingNestedKeyWithItsPath() {
        final Path file = ConfigFixtures.mutated(dir, SCENARIO, n -> ((ObjectNode) n.get("routing")).remove("type"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.routing.type");
        assertThat(problem.reason()).contains("missing required key 'type'").contains("\"group-limited\"");
    }

    @Test
    void shouldRequireOptionalValuesToBeWrittenAsNull() {
        final Path file = ConfigFixtures.mutated(dir, WORKLOAD, n -> n.remove("numTopkGroups"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.numTopkGroups");
        assertThat(problem.reason()).contains("write null for none");
        assertThat(Configs.check(ConfigFixtures.mutated(dir, WORKLOAD, n -> n.putNull("numTopkGroups")))).isEmpty();
    }

    @Test
    void shouldRejectNullForARequiredValue() {
        final Path file = ConfigFixtures.mutated(dir, WORKLOAD, n -> n.putNull("hidden"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.hidden");
        assertThat(problem.reason()).contains("null is not allowed");
    }

    @Test
    void shouldRejectOutOfRangeValueWithPathValueAndRange() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.put("smCount", 0));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.smCount");
        assertThat(problem.reason()).contains("smCount=0").contains("[1, 1024]");
        assertThatThrownBy(() -> Configs.load(file))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("$.smCount")
            .hasMessageContaining("smCount=0");
    }

    @Test
    void shouldRejectOutOfRangeNestedValueWithItsPath() {
        final Path file = ConfigFixtures.mutated(dir, GPU,
            n -> ((ObjectNode) n.get("nvSwitch")).put("aggregateBandwidthGBps", -1));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.nvSwitch.aggregateBandwidthGBps");
        assertThat(problem.reason()).contains("aggregateBandwidthGBps=-1").contains("(0, 1000000] GB/s");
    }

    @Test
    void shouldRejectOutOfRangeListEntryWithItsIndex() {
        final Path file = ConfigFixtures.mutated(dir, SCENARIO, n -> ((ArrayNode) n.get("epSizes")).set(1, 0));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.epSizes[1]");
        assertThat(problem.reason()).contains("epSizes[1]=0");
    }

    @Test
    void shouldRejectOddSmCountWithItsIndex() {
        final Path file = ConfigFixtures.mutated(dir, SCENARIO, n -> ((ArrayNode) n.get("numSms")).add(25));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.numSms[1]");
        assertThat(problem.reason()).contains("numSms[1]=25").contains("even");
    }

    @Test
    void shouldRejectEffectiveBandwidthAboveTheNominalOne() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.put("nvlinkEffectiveBandwidthGBps", 250));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.nvlinkEffectiveBandwidthGBps");
        assertThat(problem.reason()).contains("=250").contains("at most nvlinkBandwidthGBps");
    }

    @Test
    void shouldRejectRoutingParameterThatTheTypeIgnores() {
        final Path file = ConfigFixtures.mutated(dir, SCENARIO,
            n -> ((ObjectNode) n.get("routing")).put("zipfExponent", 1.2));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.routing.zipfExponent");
        assertThat(problem.reason()).contains("only used with type=zipf");
    }

    @Test
    void shouldRejectMisspelledEnumValueWithASuggestion() {
        final Path file = ConfigFixtures.mutated(dir, WORKLOAD, n -> n.put("mode", "low_latency"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.mode");
        assertThat(problem.reason()).contains("\"normal\", \"low-latency\"").contains("did you mean \"low-latency\"?");
    }

    @Test
    void shouldRejectUnknownKindWithASuggestion() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.put("kind", "gpus"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.kind");
        assertThat(problem.reason()).contains("did you mean \"gpu\"?");
    }

    @Test
    void shouldSayWhenTheKindDoesNotMatchTheKeys() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> n.put("kind", "nic"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.kind");
        assertThat(problem.reason()).contains("kind is \"nic\" but the keys are those of a gpu config");
    }

    @Test
    void shouldRejectFileOfAnotherKind() {
        final Path file = ConfigFixtures.root().resolve(NIC);

        assertThatThrownBy(() -> Configs.load(file, GpuProfile.class))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("$.kind")
            .hasMessageContaining("kind is \"nic\" but a gpu config is expected");
    }

    @Test
    void shouldRejectIdThatDoesNotMatchTheFileName() {
        final Path file = ConfigFixtures.write(dir, "h801.json", ConfigFixtures.tree(GPU));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.id");
        assertThat(problem.reason()).contains("\"h800\"").contains("h801.json");
    }

    @Test
    void shouldRejectInvalidIdWithItsPath() {
        final Path file = ConfigFixtures.mutated(dir, TOPOLOGY, n -> n.put("gpuProfileId", "../gpu/H800"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.gpuProfileId");
        assertThat(problem.reason()).contains("not a valid id");
    }

    @Test
    void shouldRejectHardwareNumberWithoutASource() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> ((ObjectNode) n.get("sources")).remove("smCount"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.sources");
        assertThat(problem.reason()).contains("no source for smCount");
    }

    @Test
    void shouldRejectSourceOfAFieldThatDoesNotExist() {
        final Path file = ConfigFixtures.mutated(dir, GPU, n -> ((ObjectNode) n.get("sources")).put("smCuont", "x"));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.sources.smCuont");
        assertThat(problem.reason()).contains("did you mean \"smCount\"?");
    }

    @Test
    void shouldRejectBlankSource() {
        final Path file = ConfigFixtures.mutated(dir, NIC, n -> ((ObjectNode) n.get("sources")).put("latencyNs", " "));

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$.sources['latencyNs']");
        assertThat(problem.reason()).contains("must not be blank");
    }

    @Test
    void shouldReportEveryStructuralProblemOfAFileAtOnce() {
        final Path file = ConfigFixtures.mutated(dir, TOPOLOGY, n -> {
            rename(n, "gpusPerNode", "gpuPerNode");
            n.remove("nicsPerNode");
            n.put("switchHopLatencyNs", "300 ns");
        });

        final List<ConfigProblem> problems = Configs.check(file);

        assertThat(problems).extracting(ConfigProblem::jsonPath)
            .containsExactlyInAnyOrder("$.gpuPerNode", "$.nicsPerNode", "$.switchHopLatencyNs");
        assertThatThrownBy(() -> Configs.load(file)).isInstanceOf(ConfigException.class)
            .hasMessageContaining("3 problems");
    }

    @Test
    void shouldRejectDuplicateKey() {
        final Path file = ConfigFixtures.writeText(dir, "dup.json", "{\"kind\": \"gpu\", \"kind\": \"gpu\"}");

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$");
        assertThat(problem.reason()).contains("not valid JSON").containsIgnoringCase("duplicate");
    }

    @Test
    void shouldRejectTrailingContent() {
        final String json = Configs.mapper().writeValueAsString(ConfigFixtures.tree(GPU));
        final Path file = ConfigFixtures.writeText(dir, "h800.json", json + " {}");

        final ConfigProblem problem = single(file);

        assertThat(problem.jsonPath()).isEqualTo("$");
        assertThat(problem.reason()).contains("not valid JSON");
    }

    @Test
    void shouldRejectMalformedJsonWithLineAndColumn() {
        final Path file = ConfigFixtures.writeText(dir, "bad.json", "{\n  \"kind\": \"gpu\",\n  \"id\" \"x\"\n}");

        final ConfigProblem problem = single(file);

        assertThat(problem.reason()).contains("not valid JSON").contains("line 3");
    }

    @Test
    void shouldReportInsteadOfThrowingForFilesThatCannotBeRead() {
        assertThat(single(dir.resolve("missing.json")).reason()).contains("cannot read");
        assertThat(single(dir).reason()).contains("cannot read");
        assertThat(single(ConfigFixtures.writeText(dir, "empty.json", "")).reason()).contains("empty");
        assertThat(single(ConfigFixtures.writeText(dir, "array.json", "[1]")).reason()).contains("one JSON object");
        assertThat(single(ConfigFixtures.writeText(dir, "kindless.json", "{}")).jsonPath()).isEqualTo("$.kind");
    }
}
