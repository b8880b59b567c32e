package dev.ep4j.api.error;

/**
 * Root of every exception ep4j throws on purpose. Each subclass stands for one failure domain, and every message
 * names the value involved, the limit it broke and, where there is one, the fix.
 *
 * <p>Unchecked, like the exceptions of Aeron and Netty: callers catch the specific subclass they can act on.
 */
public class EpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, with the values involved and the remedy.
     */
    public EpException(final String message) {
        super(message);
    }

    /**
     * @param message what went wrong, with the values involved and the remedy.
     * @param cause   the underlying failure.
     */
    public EpException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
