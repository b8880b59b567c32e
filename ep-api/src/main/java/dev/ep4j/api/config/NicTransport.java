package dev.ep4j.api.config;

/**
 * The RDMA transport a {@link NicProfile} speaks.
 *
 * <p>Immutable and thread-safe.
 */
public enum NicTransport {
    /** InfiniBand reliable connection (ConnectX in IB mode). */
    INFINIBAND("infiniband"),
    /** RDMA over Converged Ethernet v2. */
    ROCE("roce"),
    /** AWS Elastic Fabric Adapter (SRD transport). */
    EFA("efa");

    private final String jsonName;

    NicTransport(final String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * @return the value written in config files, e.g. {@code "infiniband"}.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
