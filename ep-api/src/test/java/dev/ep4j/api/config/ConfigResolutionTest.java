package dev.ep4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.topology.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ArrayNode;

/**
 * Ids referenced by topologies, hardware profiles and scenarios resolve to files that exist, resolved parts fit
 * together, and broken references or misfits are reported with the path of the referencing key.
 */
class ConfigResolutionTest {

    @TempDir
    Path dir;

    @Test
    void shouldFindTheConfigsRootOfTheRepository() {
        final Path root = Configs.defaultRoot();

        assertThat(root.getFileName()).hasToString("configs");
        assertThat(root.resolve("hardware/gpu/h800.json")).isRegularFile();
        final String property = System.getProperty(Configs.ROOT_PROPERTY);
        if (property != null) {
            assertThat(root).isEqualTo(Path.of(property).toAbsolutePath().normalize().resolve("configs"));
        }
    }

    @Test
    void shouldResolveEveryReferencedIdToAnExistingFile() {
        final Path root = ConfigFixtures.root();
        for (final String id : Configs.ids(root, ConfigKind.TOPOLOGY)) {
            final TopologyConfig t = Configs.resolve(root, TopologyConfig.class, id);
            assertThat(Configs.pathOf(root, ConfigKind.GPU, t.gpuProfileId())).as("gpu of %s", id).isRegularFile();
            assertThat(Configs.pathOf(root, ConfigKind.NIC, t.nicProfileId())).as("nic of %s", id).isRegularFile();

            final ResolvedTopology resolved = Configs.resolveTopology(root, id);

            assertThat(resolved.gpu().id()).isEqualTo(t.gpuProfileId());
            assertThat(resolved.nic().id()).isEqualTo(t.nicProfileId());
            assertThat(resolved.gpuPcie().id()).isEqualTo(resolved.gpu().pcieProfileId());
            assertThat(resolved.nicPcie().id()).isEqualTo(resolved.nic().pcieProfileId());
        }
        for (final String id : Configs.ids(root, ConfigKind.SCENARIO)) {
            final ScenarioConfig s = Configs.resolve(root, ScenarioConfig.class, id);
            assertThat(Configs.pathOf(root, ConfigKind.TOPOLOGY, s.topologyId())).isRegularFile();
            assertThat(Configs.pathOf(root, ConfigKind.WORKLOAD, s.workloadId())).isRegularFile();

            assertThat(Configs.resolveScenario(root, id).scenario()).isEqualTo(s);
        }
    }

    @Test
    void shouldResolveTheDefaultScenarioToDeepEpsReferenceSetup() {
        final ResolvedScenario run = Configs.resolveScenario(ConfigFixtures.root(), "deepseek-v3-h800");

        assertThat(run.topology().shape()).isEqualTo(new Topology(8, 8));
        assertThat(run.topology().gpu().nvlinkBandwidthGBps()).isEqualTo(200.0);
        assertThat(run.topology().nic().lineRateGbps()).isEqualTo(400.0);
        assertThat(run.workload().hidden()).isEqualTo(7168);
        assertThat(run.workload().numTopkGroups()).isEqualTo(4);
        assertThat(run.scenario().epSizes()).containsExactly(8, 16, 32, 64);
        assertThat(run.scenario().epSizes().stream().map(run.topology().topology()::shapeForRanks))
            .containsExactly(new Topology(1, 8), new Topology(2, 8), new Topology(4, 8), new Topology(8, 8));
    }

    @Test
    void shouldRejectUnknownIdWithTheClosestKnownOne() {
        assertThatThrownBy(() -> Configs.resolve(ConfigFixtures.root(), NicProfile.class, "cx7-400"))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("no nic config \"cx7-400\"")
            .hasMessageContaining("did you mean \"cx7-400g\"?");
        assertThatThrownBy(() -> Configs.pathOf(ConfigFixtures.root(), ConfigKind.GPU, "../nic/cx7-400g"))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("not a valid gpu id");
    }

    @Test
    void shouldReportDanglingReferenceWithItsPath() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "topologies/h800-8x2-cx7.json", n -> n.put("gpuProfileId", "h80"));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).file()).isEqualTo(root.resolve("topologies/h800-8x2-cx7.json"));
        assertThat(problems.get(0).jsonPath()).isEqualTo("$.gpuProfileId");
        assertThat(problems.get(0).reason()).contains("no gpu config \"h80\"").contains("did you mean \"h800\"?");
        assertThatThrownBy(() -> Configs.resolveTopology(root, "h800-8x2-cx7"))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("no gpu config \"h80\"");
    }

    @Test
    void shouldReportDanglingPcieReferenceOfAProfile() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "hardware/nic/cx7-400g.json", n -> n.put("pcieProfileId", "pcie-gen7-x16"));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        assertThat(problems).extracting(ConfigProblem::jsonPath).containsExactly("$.pcieProfileId");
    }

    @Test
    void shouldReportNodeLargerThanTheNvlinkDomain() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "topologies/h800-8x2-cx7.json",
            n -> n.put("gpusPerNode", 16).put("nicsPerNode", 16));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).jsonPath()).isEqualTo("$.gpusPerNode");
        assertThat(problems.get(0).reason()).contains("gpusPerNode=16").contains("nvlinkDomainMaxGpus=8");
        assertThatThrownBy(() -> Configs.resolveTopology(root, "h800-8x2-cx7"))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("$.gpusPerNode");
    }

    @Test
    void shouldReportEpSizeThatDoesNotDivideTheExperts() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "scenarios/deepseek-v3-decode-h800.json",
            n -> ((ArrayNode) n.get("epSizes")).add(64));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).jsonPath()).isEqualTo("$.epSizes[3]");
        assertThat(problems.get(0).reason()).contains("epSizes[3]=64").contains("288 experts");
    }

    @Test
    void shouldReportEpSizeThatDoesNotFitTheTopology() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "scenarios/deepseek-v3-h800.json", n -> n.put("topologyId", "h800-8x2-cx7"));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        assertThat(problems).extracting(ConfigProblem::jsonPath).containsExactly("$.epSizes[2]");
        assertThat(problems.get(0).reason()).contains("EP size 32 does not fit topology h800-8x2-cx7");
    }

    @Test
    void shouldReportGroupLimitedRoutingWithoutAGroupLimit() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "workloads/deepseek-v3-prefill.json", n -> n.putNull("numTopkGroups"));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        // every group-limited scenario of that workload
        assertThat(problems).extracting(p -> p.file().getFileName().toString() + " " + p.jsonPath())
            .containsExactlyInAnyOrder("deepseek-v3-h800.json $.routing.type",
                "deepseek-v3-h800-large.json $.routing.type");
    }

    @Test
    void shouldReportSmCountsForLowLatencyWorkloads() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.change(root, "scenarios/deepseek-v3-decode-h800.json",
            n -> ((ArrayNode) n.get("numSms")).add(24));

        assertThat(Configs.checkTree(root)).extracting(ConfigProblem::jsonPath).containsExactly("$.numSms");
    }

    @Test
    void shouldReportFileOutsideItsKindsDirectory() throws Exception {
        final Path root = ConfigFixtures.copyOfTree(dir);
        Files.copy(root.resolve("hardware/gpu/h800.json"), root.resolve("hardware/nic/h800.json"));

        final List<ConfigProblem> problems = Configs.checkTree(root);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).file()).isEqualTo(root.resolve("hardware/nic/h800.json"));
        assertThat(problems.get(0).reason()).contains("belongs at hardware/gpu/h800.json");
    }

    @Test
    void shouldIgnoreTheSchemaDirectoryAndNonJsonFiles() {
        final Path root = ConfigFixtures.copyOfTree(dir);
        ConfigFixtures.writeText(root.resolve(Configs.SCHEMA_DIRECTORY), "gpu.schema.json", "{\"type\": \"object\"}");
        ConfigFixtures.writeText(root, "README.md", "# configs");

        assertThat(Configs.checkTree(root)).isEmpty();
    }
}
