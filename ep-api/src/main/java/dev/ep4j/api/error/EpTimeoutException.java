package dev.ep4j.api.error;

/**
 * A wait did not complete in time: a rank that never arrived at a collective, or a GPU-side wait on a peer. The
 * exception names the waiting rank, the peer it waited for, the channel and the phase, where known (-1 otherwise).
 */
public class EpTimeoutException extends EpException {
    private static final long serialVersionUID = 1L;

    private final int rank;
    private final int peer;
    private final int channel;
    private final String phase;

    /**
     * @param message what timed out, with the timeout and the fix.
     * @param rank    the rank that waited, or -1.
     * @param peer    the rank it waited for, or -1.
     * @param channel the channel that stalled, or -1.
     * @param phase   the protocol phase ("notify", "dispatch", "combine", ...).
     */
    public EpTimeoutException(
        final String message, final int rank, final int peer, final int channel, final String phase) {
        super(message);
        this.rank = rank;
        this.peer = peer;
        this.channel = channel;
        this.phase = phase;
    }

    /**
     * @return the rank that waited, or -1 when unknown.
     */
    public int rank() {
        return rank;
    }

    /**
     * @return the rank waited for, or -1 when unknown.
     */
    public int peer() {
        return peer;
    }

    /**
     * @return the stalled channel, or -1 when unknown.
     */
    public int channel() {
        return channel;
    }

    /**
     * @return the protocol phase that stalled.
     */
    public String phase() {
        return phase;
    }
}
