package dev.ep4j.api.error;

/**
 * A configuration value is invalid: a {@code KernelConfig} field, a topology, or a config file (the message then
 * carries the JSON path of the offending key).
 */
public class ConfigException extends EpException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, with the values involved and the remedy.
     */
    public ConfigException(final String message) {
        super(message);
    }

    /**
     * @param message what went wrong, with the values involved and the remedy.
     * @param cause   the underlying failure.
     */
    public ConfigException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
