package dev.ep4j.api.op;

/**
 * What one call cost: its time, measured on a GPU or predicted by the simulator, and the bytes it moved per link
 * class. Immutable.
 *
 * @param op          operation name ("dispatch", "combine", "lowLatencyDispatch", ...).
 * @param source      where {@code timeNs} comes from.
 * @param timeNs      main kernel time in nanoseconds (0 when {@code source} is {@link TimeSource#NONE}).
 * @param nvlinkBytes bytes this rank received over NVLink (including its own local copy), DeepEP's accounting.
 * @param rdmaBytes   bytes this rank sent over RDMA, DeepEP's accounting (0 for single-node groups).
 */
public record OpStats(String op, TimeSource source, long timeNs, long nvlinkBytes, long rdmaBytes) {

    /** Where a time comes from. */
    public enum TimeSource {
        /** Measured with CUDA events on a GPU. */
        MEASURED,
        /** Predicted by the simulator's timing model. */
        SIMULATED,
        /** Not timed (functional runs). */
        NONE
    }

    /**
     * @param op operation name.
     * @return stats without a time and without byte counts.
     */
    public static OpStats untimed(final String op) {
        return new OpStats(op, TimeSource.NONE, 0, 0, 0);
    }
}
