package dev.ep4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** DESIGN.md §1: ep-api knows nothing of the backends. */
class LayeringTest {

    static Path root() {
        final String p = System.getProperty("ep4j.root");
        Path dir = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("ep-api"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root with ep-api/").isNotNull();
        return dir;
    }

    @Test
    void shouldNotReferenceAnyBackendPackageFromEpApi() throws IOException {
        final Path src = root().resolve("ep-api/src/main/java");
        try (Stream<Path> files = Files.walk(src)) {
            final List<Path> offenders = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    final String s = Files.readString(f);
                    return s.contains("dev.ep4j.sim") || s.contains("dev.ep4j.cuda");
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.toList());
            assertThat(offenders).isEmpty();
        }
        assertThat(Files.readString(root().resolve("ep-api/pom.xml"))).doesNotContain("<artifactId>ep-sim")
            .doesNotContain("<artifactId>ep-native");
    }
}
