package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.cuda.bench.GpuBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GpuBenchTest {
    @Test
    void shouldSkipWithTheReasonWhereNoGpuIsUsable() {
        assumeTrue(!Cuda.isAvailable(), "a GPU is present; the benchmark itself runs in the GPU bundle");
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final int rc = GpuBench.run(new String[0], new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(2);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("SKIPPED: no usable GPU: "
            + Cuda.unavailableReason());
    }

    @Test
    void shouldRejectUnknownArguments() {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertThat(GpuBench.run(new String[] {"--bogus"}, new PrintStream(buf, true, StandardCharsets.UTF_8)))
            .isEqualTo(1);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("unknown argument --bogus");
    }
}
