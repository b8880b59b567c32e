package dev.ep4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON Schemas under {@code configs/schema/} are exactly what {@link ConfigSchemas} generates from the records,
 * and they reject what the loader rejects structurally.
 *
 * <p>After changing a config record, regenerate the checked-in schemas with
 *
 * <pre>{@code
 * ./mvnw -q -B -pl ep-api test -Dtest='ConfigSchemaTest' -Dep4j.updateSchemas=true
 * }</pre>
 *
 * <p>and commit the rewritten {@code configs/schema/*.schema.json}. Without {@code -Dep4j.updateSchemas=true} the
 * golden test only compares and fails on any difference.
 */
class ConfigSchemaTest {
    /** System property that makes the golden test rewrite the checked-in schemas instead of comparing. */
    static final String UPDATE_PROPERTY = "ep4j.updateSchemas";

    private static Schema schema(final ConfigKind kind) {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(Configs.mapper().readTree(ConfigSchemas.file(ConfigFixtures.root(), kind)));
    }

    @ParameterizedTest
    @EnumSource(ConfigKind.class)
    void shouldMatchTheCheckedInSchema(final ConfigKind kind) throws IOException {
        final Path file = ConfigSchemas.file(ConfigFixtures.root(), kind);
        final String generated = ConfigSchemas.render(ConfigSchemas.generate(kind));
        if (Boolean.getBoolean(UPDATE_PROPERTY)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }

        assertThat(file).as("%s is missing: run this test with -D%s=true", file, UPDATE_PROPERTY).exists();
        assertThat(Files.readString(file, StandardCharsets.UTF_8))
            .as("%s differs from the schema generated from %s: run this test with -D%s=true and commit the result",
                file, kind.recordType().getSimpleName(), UPDATE_PROPERTY)
            .isEqualTo(generated);
    }

    @Test
    void shouldRenderDeterministically() {
        for (final ConfigKind kind : ConfigKind.values()) {
            final String first = ConfigSchemas.render(ConfigSchemas.generate(kind));
            assertThat(ConfigSchemas.render(ConfigSchemas.generate(kind))).isEqualTo(first);
            assertThat(first).endsWith("}\n").doesNotContain("\r");
        }
    }

    @Test
    void shouldForbidUnknownKeysAndRequireEveryKey() {
        final ObjectNode gpu = ConfigSchemas.generate(ConfigKind.GPU);

        assertThat(gpu.get("additionalProperties").asBoolean(true)).isFalse();
        assertThat(gpu.get("properties").get("nvSwitch").get("additionalProperties").asBoolean(true)).isFalse();
        assertThat(gpu.get("required")).hasSize(GpuProfile.class.getRecordComponents().length);
        assertThat(gpu.get("properties").get("kind").get("const").stringValue()).isEqualTo("gpu");
    }

    @Test
    void shouldRejectMisspelledKeyAgainstTheSchema() {
        final ObjectNode topology = ConfigFixtures.tree("topologies/h800-8x2-cx7.json");
        topology.set("gpuPerNode", topology.remove("gpusPerNode"));

        final List<Error> errors = schema(ConfigKind.TOPOLOGY).validate(topology);

        assertThat(errors).extracting(Error::getMessage)
            .anyMatch(m -> m.contains("gpuPerNode") && m.contains("not defined in the schema"))
            .anyMatch(m -> m.contains("gpusPerNode"));
    }

    @Test
    void shouldRejectUnitStringAgainstTheSchema() {
        final ObjectNode nic = ConfigFixtures.tree("hardware/nic/cx7-400g.json");
        nic.put("lineRateGbps", "400 Gb/s");

        final List<Error> errors = schema(ConfigKind.NIC).validate(nic);

        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getInstanceLocation().toString()).contains("lineRateGbps");
    }

    @Test
    void shouldRejectWrongKindAgainstTheSchema() {
        final ObjectNode nic = ConfigFixtures.tree("hardware/nic/cx7-400g.json");

        assertThat(schema(ConfigKind.GPU).validate(nic)).isNotEmpty();
    }

    @Test
    void shouldAllowNullOnlyWhereTheRecordDoes() {
        final ObjectNode workload = ConfigFixtures.tree("workloads/deepseek-v3-prefill.json");
        workload.putNull("numTopkGroups");
        assertThat(schema(ConfigKind.WORKLOAD).validate(workload)).isEmpty();

        workload.putNull("hidden");
        assertThat(schema(ConfigKind.WORKLOAD).validate(workload)).hasSize(1);
    }
}
