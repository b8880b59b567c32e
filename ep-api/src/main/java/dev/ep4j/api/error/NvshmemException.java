package dev.ep4j.api.error;

/**
 * An NVSHMEM host call failed or NVSHMEM is missing; the message names the call, its return code and the fix.
 */
public class NvshmemException extends EpException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, with the values involved and the remedy.
     */
    public NvshmemException(final String message) {
        super(message);
    }

    /**
     * @param message what went wrong, with the values involved and the remedy.
     * @param cause   the underlying failure.
     */
    public NvshmemException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
