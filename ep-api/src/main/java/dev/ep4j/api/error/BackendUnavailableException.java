package dev.ep4j.api.error;

/**
 * A backend cannot be opened here; the message says why (for example "libcuda.so.1 not found") and what to use
 * instead.
 */
public class BackendUnavailableException extends EpException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, with the values involved and the remedy.
     */
    public BackendUnavailableException(final String message) {
        super(message);
    }

    /**
     * @param message what went wrong, with the values involved and the remedy.
     * @param cause   the underlying failure.
     */
    public BackendUnavailableException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
