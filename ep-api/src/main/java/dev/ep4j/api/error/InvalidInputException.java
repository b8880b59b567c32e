package dev.ep4j.api.error;

/**
 * An operation argument is malformed: a tensor of the wrong shape or dtype, an expert id out of range, a top-k
 * above its limit, too many tokens. Thrown by ep-api validation before any backend work starts, identically for
 * every backend; nothing has been written when it is thrown and the next valid call works.
 */
public class InvalidInputException extends EpException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, with the values involved and the remedy.
     */
    public InvalidInputException(final String message) {
        super(message);
    }

    /**
     * @param message what went wrong, with the values involved and the remedy.
     * @param cause   the underlying failure.
     */
    public InvalidInputException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
