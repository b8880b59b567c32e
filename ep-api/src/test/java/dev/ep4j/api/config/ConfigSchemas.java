package dev.ep4j.api.config;

import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import java.nio.file.Path;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generates the JSON Schema of each config kind from its record with victools (draft 2020-12, plain-JSON preset,
 * {@code additionalProperties: false} everywhere, every record component required, {@code null} allowed only for
 * {@link NullAllowed} components, {@code kind} fixed to the kind's name, units described from the key suffix) and
 * renders it deterministically (sorted keys, two-space indent, {@code \n}, trailing newline).
 *
 * <p>Test scope: the generator and validator are test dependencies, so ep-api's runtime needs only Jackson.
 * Thread-safe: the generator is built per call.
 */
final class ConfigSchemas {
    private static final JsonMapper WRITER = JsonMapper.builder()
        .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
        .build();

    private ConfigSchemas() {
    }

    /**
     * @param kind a config kind.
     * @return its generated schema.
     */
    static ObjectNode generate(final ConfigKind kind) {
        final SchemaGeneratorConfigBuilder builder =
            new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
                .with(Option.FLATTENED_ENUMS_FROM_TOSTRING)
                .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES);
        builder.forFields()
            .withRequiredCheck(field -> !field.isFakeContainerItemScope())
            .withNullableCheck(field -> field.getAnnotationConsideringFieldAndGetter(NullAllowed.class) != null)
            .withStringPatternResolver(field -> isId(field.getName()) ? "^" + Check.ID.pattern() + "$" : null)
            .withDescriptionResolver(ConfigSchemas::describe);
        final ObjectNode schema = new SchemaGenerator(builder.build()).generateSchema(kind.recordType());
        schema.put("title", "ep4j " + kind + " config");
        final ObjectNode kindProperty = (ObjectNode) schema.get("properties").get("kind");
        kindProperty.removeAll();
        kindProperty.put("const", kind.jsonName());
        return schema;
    }

    private static boolean isId(final String name) {
        return "id".equals(name) || name.endsWith("Id");
    }

    private static String describe(final FieldScope field) {
        final String name = field.getName();
        if ("sources".equals(name)) {
            return "field name (dotted for nested objects) -> the document its value comes from,"
                + " or \"assumed; to be calibrated\"";
        }
        if ("id".equals(name)) {
            return "this file's id: its file name without .json";
        }
        if (isId(name)) {
            return "id of the referenced config: its file name without .json";
        }
        return Units.of(name).map(u -> "in " + u.describe() + "; units are part of key names").orElse(null);
    }

    /**
     * @param schema a schema.
     * @return the checked-in text form: sorted keys, two-space indent, {@code \n} line ends, trailing newline.
     */
    static String render(final JsonNode schema) {
        final DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        final DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
        return WRITER.writer().with(printer).writeValueAsString(schema) + "\n";
    }

    /**
     * @param configsRoot a configs root.
     * @param kind        a config kind.
     * @return {@code <root>/schema/<kind>.schema.json}.
     */
    static Path file(final Path configsRoot, final ConfigKind kind) {
        return configsRoot.resolve(Configs.SCHEMA_DIRECTORY).resolve(kind.jsonName() + ".schema.json");
    }
}
