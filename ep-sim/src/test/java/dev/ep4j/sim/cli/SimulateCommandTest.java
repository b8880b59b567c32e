package dev.ep4j.sim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SimulateCommandTest {
    private static final List<String> FILES = List.of("results.json", "results.csv", "bandwidth.png", "phases.png",
        "trace.json");
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

    /** EP 8 and 16 of the small normal workload on H800 + CX7 (one and two nodes), uniform routing. */
    private static Path scenario(final Path dir) throws Exception {
        final Path f = dir.resolve("small-h800.json");
        Files.writeString(f, "{\"kind\": \"scenario\", \"id\": \"small-h800\", \"name\": \"small normal on H800\","
            + " \"topologyId\": \"h800-8x2-cx7\", \"workloadId\": \"small-normal\", \"epSizes\": [8, 16],"
            + " \"numSms\": [8], \"routing\": {\"type\": \"uniform\", \"zipfExponent\": null, \"tracePath\": null},"
            + " \"seed\": 0}");
        return f;
    }

    private String run(final String... args) {
        out.reset();
        assertThat(Ep4jCli.run(args)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintTheIssuesJsonSchema(@TempDir final Path dir) throws Exception {
        final JsonNode n = JsonMapper.builder().build().readTree(run("simulate", "--scenario",
            scenario(dir).toString(), "--out", dir.resolve("out").toString(), "--json", "--model", "analytical"));
        final JsonNode results = n.get("results");
        assertThat(results).hasSize(4);
        for (final JsonNode r : results) {
            assertThat(r.get("mode").asString()).isIn("normal", "low-latency");
            assertThat(r.get("ranks").asInt()).isIn(8, 16);
            assertThat(r.get("nodes").asInt()).isEqualTo(r.get("ranks").asInt() / 8);
            assertThat(r.get("op").asString()).isIn("dispatch", "combine");
            assertThat(r.get("timeUs").asDouble()).isPositive();
            assertThat(r.get("bandwidthGBps").asDouble()).isPositive();
            assertThat(r.get("bottleneck").asString()).isIn("nvlink", "rdma", "sm", "pcie", "latency");
            assertThat(r.get("timeUs").asDouble()).isGreaterThanOrEqualTo(r.get("boundUs").asDouble());
            assertThat(r.get("phasesUs").get("main").asDouble()).isEqualTo(r.get("timeUs").asDouble());
            assertThat(r.get("bufferNeed").get("nvlBytes").asLong()).isPositive();
            assertThat(r.get("bufferNeed").get("rdmaBytes").asLong() > 0).isEqualTo(r.get("nodes").asInt() > 1);
        }
        assertThat(n.get("model").asString()).isEqualTo("analytical");
        for (final String f : FILES) {
            assertThat(dir.resolve("out").resolve(f)).isNotEmptyFile();
        }
    }

    @Test
    void shouldWriteByteIdenticalFilesForIdenticalInputs(@TempDir final Path dir) throws Exception {
        final Path s = scenario(dir);
        final String table = run("simulate", "--scenario", s.toString(), "--out", dir.resolve("a").toString(),
            "--threads", "1");
        run("simulate", "--scenario", s.toString(), "--out", dir.resolve("b").toString(), "--threads", "2");
        for (final String f : FILES) {
            assertThat(Files.readAllBytes(dir.resolve("b").resolve(f))).as(f)
                .isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(f)));
        }
        assertThat(table).contains("model: des").contains("normal").contains("bottleneck")
            .contains("results.json");
        final JsonNode trace = JsonMapper.builder().build().readTree(dir.resolve("a/trace.json").toFile());
        final Set<String> phases = new java.util.TreeSet<>();
        for (final JsonNode e : trace.get("traceEvents")) {
            if ("X".equals(e.get("ph").asString())) {
                phases.add(e.get("name").asString());
            }
        }
        assertThat(phases).contains("layout", "notify", "cpuSync", "main");
        final List<String> csv = Files.readAllLines(dir.resolve("a/results.csv"));
        assertThat(csv).hasSize(5);
        assertThat(csv.get(0)).startsWith("mode,ranks,nodes,op,timeUs,bandwidthGBps,bottleneck");
    }

    @Test
    void shouldRejectAnUnknownModelWithTheAvailableOnes() {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream savedErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Ep4jCli.run("simulate", "--model", "magic")).isEqualTo(2);
        } finally {
            System.setErr(savedErr);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("magic").contains("analytical");
    }
}
