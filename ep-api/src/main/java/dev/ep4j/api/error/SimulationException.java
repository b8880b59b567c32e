package dev.ep4j.api.error;

/**
 * The simulator found a state it cannot continue from (for example a ring that can never drain); the message
 * carries the simulated time and the event.
 */
public class SimulationException extends EpException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, with the values involved and the remedy.
     */
    public SimulationException(final String message) {
        super(message);
    }

    /**
     * @param message what went wrong, with the values involved and the remedy.
     * @param cause   the underlying failure.
     */
    public SimulationException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
