package dev.ep4j.api.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Test fixtures: the checked-in configs root, its files, and mutated copies of real files written to a temporary
 * directory, so every negative test starts from a file that is known to load.
 *
 * <p>Stateless; thread-safe.
 */
final class ConfigFixtures {

    private ConfigFixtures() {
    }

    /**
     * @return the repository's configs root ({@code -Dep4j.root} set by surefire, else found upwards).
     */
    static Path root() {
        return Configs.defaultRoot();
    }

    /**
     * @return every config file under the root except the schemas, sorted.
     */
    static List<Path> configFiles() {
        final Path schemas = root().resolve(Configs.SCHEMA_DIRECTORY);
        try (Stream<Path> walk = Files.walk(root())) {
            return walk.filter(Files::isRegularFile)
                .filter(p -> p.getFileName().toString().endsWith(".json"))
                .filter(p -> !p.startsWith(schemas))
                .sorted()
                .toList();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param relative a path under the configs root, e.g. {@code "hardware/gpu/h800.json"}.
     * @return the file parsed as a mutable tree.
     */
    static ObjectNode tree(final String relative) {
        return (ObjectNode) Configs.mapper().readTree(root().resolve(relative));
    }

    /**
     * Writes a changed copy of a checked-in file into {@code dir} under the same file name.
     *
     * @param dir      target directory.
     * @param relative the source file under the configs root.
     * @param change   the mutation.
     * @return the written file.
     */
    static Path mutated(final Path dir, final String relative, final Consumer<ObjectNode> change) {
        final ObjectNode node = tree(relative);
        change.accept(node);
        return write(dir, Path.of(relative).getFileName().toString(), node);
    }

    /**
     * @param dir      target directory.
     * @param fileName file name.
     * @param node     content.
     * @return the written file.
     */
    static Path write(final Path dir, final String fileName, final JsonNode node) {
        return writeText(dir, fileName, Configs.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    /**
     * @param dir      target directory.
     * @param fileName file name.
     * @param text     content.
     * @return the written file.
     */
    static Path writeText(final Path dir, final String fileName, final String text) {
        try {
            Files.createDirectories(dir);
            return Files.writeString(dir.resolve(fileName), text, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies every config file (not the schemas) into {@code target}, keeping the layout.
     *
     * @param target an empty directory.
     * @return {@code target}, now a configs root.
     */
    static Path copyOfTree(final Path target) {
        for (final Path file : configFiles()) {
            final Path copy = target.resolve(root().relativize(file).toString());
            try {
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target;
    }

    /**
     * Rewrites one file of a copied tree.
     *
     * @param root     a copied configs root.
     * @param relative the file under it.
     * @param change   the mutation.
     */
    static void change(final Path root, final String relative, final Consumer<ObjectNode> change) {
        final Path file = root.resolve(relative);
        final ObjectNode node = (ObjectNode) Configs.mapper().readTree(file);
        change.accept(node);
        write(file.getParent(), file.getFileName().toString(), node);
    }
}
