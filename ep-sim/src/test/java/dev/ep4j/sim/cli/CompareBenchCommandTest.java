package dev.ep4j.sim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.config.Configs;
import dev.ep4j.sim.stats.BenchComparison;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ep4j compare-bench} reads bench CSVs by column name and prints one predicted row per measured row. */
class CompareBenchCommandTest {
    @Test
    void readsTheTranscribedBenchCsv() throws Exception {
        final Path csv = Configs.defaultRoot().getParent().resolve(
            "docs/perf/raw/2026-11-23-h100-intranode-transcribed.csv");

        final List<BenchComparison.Measured> rows = BenchComparison.read(csv);

        assertThat(rows).hasSize(81);
        assertThat(rows.get(0)).isEqualTo(new BenchComparison.Measured(8, "dispatch-fp8", 8, 6, 256, 2161.0));
    }

    @Test
    void printsPredictedBesideMeasured(@TempDir final Path dir) throws Exception {
        final Path csv = dir.resolve("intranode.csv");
        Files.writeString(csv, "op,ranks,num_sms,nvl_chunk,t_group_us\ndispatch-bf16,2,24,6,485.2\n"
            + "combine-bf16,2,24,4,592.8\n");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Ep4jCli.run("compare-bench", "--csv", csv.toString())).isZero();
        } finally {
            System.setOut(saved);
        }

        final String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains(" 2 dispatch-bf16    24     6       485.2").contains("combine-bf16  n= 1")
            .contains("all           n= 2  MAPE");
    }
}
