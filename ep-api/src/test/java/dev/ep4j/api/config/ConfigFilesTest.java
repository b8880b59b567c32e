package dev.ep4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Every checked-in config file loads strictly, validates against its checked-in JSON Schema, sits where its kind and
 * id say, and survives a write/read round trip; the whole tree is consistent.
 */
class ConfigFilesTest {

    static Stream<Path> configFiles() {
        return ConfigFixtures.configFiles().stream();
    }

    @Test
    void shouldHaveTheRequiredFilesOfEveryKind() {
        final Path root = ConfigFixtures.root();
        assertThat(Configs.ids(root, ConfigKind.GPU))
            .contains("h800", "h100-sxm", "h200-sxm", "b200", "gb200-nvl72");
        assertThat(Configs.ids(root, ConfigKind.NIC)).contains("cx7-400g", "cx8-800g", "efa-200g", "roce-400g");
        assertThat(Configs.ids(root, ConfigKind.PCIE)).contains("pcie-gen5-x16");
        assertThat(Configs.ids(root, ConfigKind.TOPOLOGY)).contains("h800-8x1-cx7", "h800-8x2-cx7", "h800-8x4-cx7",
            "h800-8x8-cx7", "h200-8x1", "h200-8x2", "gb200-nvl72");
        assertThat(Configs.ids(root, ConfigKind.WORKLOAD))
            .contains("deepseek-v3-prefill", "deepseek-v3-decode", "qwen3-235b-a22b", "kimi-k2");
        assertThat(Configs.ids(root, ConfigKind.SCENARIO)).contains("deepseek-v3-h800");
        assertThat(configFiles()).hasSizeGreaterThanOrEqualTo(22);
    }

    @ParameterizedTest
    @MethodSource("configFiles")
    void shouldLoadEveryConfigFileStrictly(final Path file) {
        assertThat(Configs.check(file)).isEmpty();

        final ConfigFile config = Configs.load(file);

        assertThat(file.getFileName()).hasToString(config.id() + ".json");
        assertThat(file.getParent()).isEqualTo(ConfigFixtures.root().resolve(config.kind().directory()));
        assertThat(config).isInstanceOf(config.kind().recordType());
        assertThat(Configs.load(file, config.kind().recordType())).isEqualTo(config);
    }

    @ParameterizedTest
    @MethodSource("configFiles")
    void shouldValidateEveryConfigFileAgainstItsCheckedInSchema(final Path file) {
        final JsonNode json = Configs.mapper().readTree(file);
        final ConfigKind kind = ConfigKind.fromJsonName(json.get("kind").stringValue()).orElseThrow();
        final Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(Configs.mapper().readTree(ConfigSchemas.file(ConfigFixtures.root(), kind)));

        final List<Error> errors = schema.validate(json);

        assertThat(errors).as("schema errors of %s", file).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("configFiles")
    void shouldWriteConfigsThatReadBackEqual(final Path file) {
        final ConfigFile config = Configs.load(file);

        final String json = Configs.mapper().writeValueAsString(config);
        final ConfigFile back = Configs.mapper().readValue(json, config.getClass());

        assertThat(back).isEqualTo(config);
        assertThat(Configs.mapper().readTree(json).propertyNames())
            .containsExactlyInAnyOrderElementsOf(Configs.mapper().readTree(file).propertyNames());
    }

    @Test
    void shouldReportNoProblemsForTheWholeTree() {
        assertThat(Configs.checkTree(ConfigFixtures.root())).isEmpty();
    }
}
