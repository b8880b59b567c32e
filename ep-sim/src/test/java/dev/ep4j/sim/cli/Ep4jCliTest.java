package dev.ep4j.sim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class Ep4jCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream saved;

    @BeforeEach
    void capture() {
        saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(saved);
    }

    private JsonNode json(final String... args) {
        assertThat(Ep4jCli.run(args)).isZero();
        return JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintTheNormalGoldenHintsAsJson() {
        final JsonNode n = json("size-hint", "normal", "--ranks", "16", "--hidden-bytes", "7168", "--sms", "24",
            "--nvl-chunk", "8", "--nvl-tokens", "512", "--rdma-chunk", "16", "--rdma-tokens", "128", "--json");
        assertThat(n.get("nvlBytes").asLong()).isEqualTo(453_380_736L);
        assertThat(n.get("rdmaBytes").asLong()).isEqualTo(56_774_016L);
    }

    @Test
    void shouldPrintTheLowLatencyGoldenHintAsJson() {
        final JsonNode n = json("size-hint", "low-latency", "--max-tokens", "128", "--hidden", "7168", "--ranks",
            "8", "--experts", "288", "--json");
        assertThat(n.get("rdmaBytes").asLong()).isEqualTo(2_146_961_792L);
    }

    @Test
    void shouldExitTwoWithTheReasonForRanksWithoutADefault() {
        assertThat(Ep4jCli.run("size-hint", "normal", "--ranks", "6", "--hidden-bytes", "7168")).isEqualTo(2);
    }

    @Test
    void shouldExitTwoWhenOnlySomeChunkOptionsAreGiven() {
        assertThat(Ep4jCli.run("size-hint", "normal", "--ranks", "8", "--hidden-bytes", "7168", "--nvl-chunk", "6"))
            .isEqualTo(2);
    }

    @Test
    void shouldReportEveryBackendWithItsReason() {
        final JsonNode n = json("info", "--json");
        assertThat(n.get("backends")).isNotEmpty();
        boolean sim = false;
        for (final JsonNode b : n.get("backends")) {
            if ("sim".equals(b.get("name").asString())) {
                sim = true;
                assertThat(b.get("available").asBoolean()).isTrue();
                assertThat(b.get("reason").asString()).isEmpty();
            }
        }
        assertThat(sim).isTrue();
    }

    static Path repo() {
        Path dir = Path.of(System.getProperty("ep4j.root", "")).toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    @Test
    void shouldValidateEveryShippedConfig() {
        final JsonNode n = json("validate", repo().resolve("configs").toString(), "--json");
        assertThat(n.get("valid").asBoolean()).isTrue();
        assertThat(n.get("files").size()).isGreaterThan(20);
    }

    @Test
    void shouldRejectAMisspelledKeyWithItsPathAndExitTwo(@TempDir final Path dir) throws Exception {
        final Path bad = dir.resolve("h800-8x2-cx7.json");
        Files.writeString(bad, Files.readString(repo().resolve("configs/topologies/h800-8x2-cx7.json"))
            .replace("\"gpusPerNode\"", "\"gpuPerNode\""));
        assertThat(Ep4jCli.run("validate", bad.toString())).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("$.gpuPerNode").contains("did you mean 'gpusPerNode'");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"intranode-ep8-small", "internode-2x4-small",
        "ll-ep8-small"})
    void shouldVerifyEverySmallShippedScenario(final String id) {
        assertThat(Ep4jCli.run("verify", "--backend", "sim", "--scenario",
            repo().resolve("configs/scenarios/" + id + ".json").toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(" passed, 0 failed");
    }

    @Test
    void shouldDumpNumpyFilesWithTheReferenceNames(@TempDir final Path dir) throws Exception {
        assertThat(Ep4jCli.run("run", "--scenario", repo().resolve("configs/scenarios/ll-ep8-small.json").toString(),
            "--dump", dir.toString())).isZero();
        for (final String name : new String[] {"x", "topk_idx", "topk_weights", "packed_recv_x",
            "packed_recv_x_scales", "packed_recv_count", "packed_recv_src_info", "packed_recv_layout_range",
            "ll_combined_x"}) {
            assertThat(dir.resolve("rank3/" + name + ".npy")).exists();
        }
        assertThat(dir.resolve("scenario.json")).exists();
    }
}
