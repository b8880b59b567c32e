package dev.ep4j.api.error;

/**
 * The communication buffer is smaller than what a call needs. Carries both byte counts so callers can resize.
 */
public class BufferTooSmallException extends EpException {
    private static final long serialVersionUID = 1L;

    private final long neededBytes;
    private final long availableBytes;

    /**
     * @param what           which buffer ("NVL buffer", "RDMA buffer", ...).
     * @param neededBytes    bytes the call needs.
     * @param availableBytes bytes the buffer has.
     * @param fix            what to change, e.g. "raise nvlBufferBytes or lower nvlRecvTokens".
     */
    public BufferTooSmallException(
        final String what, final long neededBytes, final long availableBytes, final String fix) {
        super(what + " too small: needs " + neededBytes + " bytes, has " + availableBytes + " bytes; " + fix);
        this.neededBytes = neededBytes;
        this.availableBytes = availableBytes;
    }

    /**
     * @return bytes the call needs.
     */
    public long neededBytes() {
        return neededBytes;
    }

    /**
     * @return bytes the buffer has.
     */
    public long availableBytes() {
        return availableBytes;
    }
}
