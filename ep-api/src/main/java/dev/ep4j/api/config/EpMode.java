package dev.ep4j.api.config;

/**
 * Which DeepEP kernel family a workload runs.
 *
 * <p>Immutable and thread-safe.
 */
public enum EpMode {
    /** Normal (high-throughput) kernels: NVLink rings, RDMA→NVLink forwarding, a CPU sync per dispatch. */
    NORMAL("normal"),
    /** Low-latency kernels: one message per (token, expert), no CPU sync, CUDA-graph capturable. */
    LOW_LATENCY("low-latency");

    private final String jsonName;

    EpMode(final String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * @return the value written in config files, e.g. {@code "low-latency"}.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
