package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.cuda.internal.NativeLoader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** NVSHMEM without a GPU: versions, the unique id, and the fallback when the host library is missing. */
class NvshmemHostTest {
    private static boolean builtWithNvshmemHere() {
        final String home = System.getProperty(NativeLoader.NVSHMEM_HOME_PROPERTY);
        return "false".equals(System.getProperty("ep4j.native.skip")) && home != null
            && Files.isRegularFile(Paths.get(home, "lib", "libnvshmem_host.so.3"));
    }

    @Test
    void shouldUseTheNvshmemTheBuildFound() {
        assumeTrue(builtWithNvshmemHere(), "ep-native was not built with NVSHMEM here");
        assertThat(Cuda.isNvshmemAvailable()).as(Cuda.nvshmemUnavailableReason()).isTrue();
        assertThat(Cuda.nvshmemLibrary()).endsWith("libnvshmem_host.so.3");
    }

    @Test
    void shouldCreateAUniqueIdWithoutAGpu() {
        assumeTrue(Cuda.isNvshmemAvailable(), Cuda.nvshmemUnavailableReason());
        assertThat(Nvshmem.headerVersion()).isGreaterThanOrEqualTo(30000);
        assertThat(Nvshmem.libraryVersion()).isEqualTo(Nvshmem.headerVersion());
        final byte[] id = Nvshmem.uniqueId();
        assertThat(id).hasSize(Nvshmem.UNIQUE_ID_BYTES);
        assertThat(id[0] | id[1] | id[2] | id[3]).as("unique id looks empty").isNotZero();
    }

    @Test
    void shouldFallBackToTheKernelsWithoutNvshmemWhenItsHostLibraryIsMissing() throws Exception {
        assumeTrue(builtWithNvshmemHere(), "ep-native was not built with NVSHMEM here");
        final List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
            .toString(), "-cp", System.getProperty("java.class.path"), "-D" + NativeLoader.PYTHON_PROBE_PROPERTY
            + "=false", "-Dorg.bytedeco.javacpp.cachedir=" + Files.createTempDirectory("ep4j-javacpp-cache"),
            LoaderProbeMain.class.getName()));
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("NVSHMEM_HOME");
        pb.environment().remove("LD_LIBRARY_PATH");
        final Path log = Files.createTempFile("ep4j-loader-probe", ".log");
        pb.redirectOutput(log.toFile());
        final Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        final String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(out).contains("library=loaded", "fallback=true",
            "nvshmem=NVSHMEM host library not found: set NVSHMEM_HOME", "build=ep4j_kernels 1.0.0",
            "without nvshmem");
        Files.deleteIfExists(log);
        deleteQuietly(new File(cmd.get(4).substring(cmd.get(4).indexOf('=') + 1)));
    }

    private static void deleteQuietly(final File dir) throws IOException {
        if (dir.isDirectory()) {
            try (var walk = Files.walk(dir.toPath())) {
                walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
