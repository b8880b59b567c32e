package dev.ep4j.sim.cli;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CLI's JSON writer: pretty-printed, deterministic key order (insertion order of the maps we build).
 */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Json() {
    }

    static String write(final Object value) {
        return MAPPER.writeValueAsString(value);
    }
}
