package dev.ep4j.sim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SweepPlanCommandTest {
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

    private static String scenario(final String id) {
        return Ep4jCliTest.repo().resolve("configs/scenarios/" + id + ".json").toString();
    }

    @Test
    void shouldSweepChunksAndSmsAndWriteEveryCase(@TempDir final Path dir) throws Exception {
        assertThat(Ep4jCli.run("sweep", "--scenario", scenario("internode-2x4-small"), "--sms", "8,16",
            "--nvl-chunk", "2..8:2", "--rdma-chunk", "4,8", "--op", "dispatch", "--out", dir.toString())).isZero();
        // 2 SMs x 4 NVLink chunks x 2 RDMA chunks, all valid for dispatch
        assertThat(Files.readAllLines(dir.resolve("sweep.csv"))).hasSize(1 + 16);
        final JsonNode n = JsonMapper.builder().build().readTree(dir.resolve("sweep.json").toFile());
        assertThat(n.get("results")).hasSize(16);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("best config").contains("dispatch");
    }

    @Test
    void shouldPlanWithinTheBudgetAndExitTwoWhenNothingFits() {
        assertThat(Ep4jCli.run("plan", "--scenario", scenario("intranode-ep8-small"), "--memory-gib", "1", "--sms",
            "8,16", "--json")).isZero();
        final JsonNode n = JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
        final JsonNode rec = n.get("plans").get(0).get("recommended");
        assertThat(rec.get("totalBytes").asLong()).isLessThanOrEqualTo(1L << 30);
        assertThat(rec.get("numSms").asInt()).isIn(8, 16);
        assertThat(rec.get("dispatchUs").asDouble()).isPositive();
        out.reset();
        assertThat(Ep4jCli.run("plan", "--scenario", scenario("intranode-ep8-small"), "--memory-gib", "0.0001"))
            .isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("nothing fits").contains("the smallest needs");
    }

    @Test
    void shouldParseListsAndRanges() {
        assertThat(IntRanges.parse("--x", "4..16:4,20,8")).containsExactly(4, 8, 12, 16, 20);
        assertThat(IntRanges.parse("--x", "1..3")).containsExactly(1, 2, 3);
        assertThat(IntRanges.parse("--x", null)).isEmpty();
        assertThatThrownBy(() -> IntRanges.parse("--nvl-chunk", "4..x")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("--nvl-chunk").hasMessageContaining("4..32:4");
    }
}
