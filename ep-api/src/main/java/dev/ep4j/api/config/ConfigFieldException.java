package dev.ep4j.api.config;

import dev.ep4j.api.error.ConfigException;

/**
 * A {@link ConfigException} raised by a config record's validation, remembering the offending field relative to the
 * record ({@code "hopLatencyNs"}, {@code "epSizes[2]"}), so that {@link Configs} can report the full JSON path.
 *
 * <p>Immutable; thread-safe.
 */
final class ConfigFieldException extends ConfigException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field   the field path relative to the record, e.g. {@code "epSizes[2]"}.
     * @param message what is wrong, naming the field, the value and the allowed range.
     */
    ConfigFieldException(final String field, final String message) {
        super(message);
        this.field = field;
    }

    /**
     * @return the field path relative to the record that threw.
     */
    String field() {
        return field;
    }
}
