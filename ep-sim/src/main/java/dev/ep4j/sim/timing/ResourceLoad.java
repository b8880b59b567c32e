package dev.ep4j.sim.timing;

/**
 * The physical work one resource instance must do during one kernel: bytes through a link or an SM's copy engine
 * (or messages a NIC must issue), and the rate at which it can do it. {@link #us()} is the time that work needs
 * alone, the term of the analytical bound {@code max_r(bytes_r / C_r)} (simulator.md §5.9).
 *
 * <p>Resource classes are those of {@link TimingResult#bottleneck()}: {@code "nvlink"} (a GPU's NVLink egress or
 * ingress), {@code "rdma"} (a NIC's TX or RX side, its message issue, or its share of the fabric uplinks),
 * {@code "pcie"} (GPU-to-switch or NIC-to-switch link, one direction) and {@code "sm"} (the copy throughput of the SM
 * that serves one channel, or of a kernel's blocks).
 *
 * <p>Immutable and thread-safe.
 *
 * @param resourceClass "nvlink", "rdma", "pcie" or "sm".
 * @param resource      the instance, e.g. {@code "gpu3 nvlink-tx"}, {@code "nic11 rx"}, {@code "gpu3 ch5 forwarder"}.
 * @param rank          the rank (GPU) the instance belongs to; a NIC shared by several GPUs belongs to the lowest.
 * @param amount        bytes ({@code unit = "B"}) or messages ({@code unit = "msg"}).
 * @param unit          "B" or "msg".
 * @param ratePerSec    capacity: bytes per second or messages per second, &gt; 0.
 */
public record ResourceLoad(
    String resourceClass, String resource, int rank, long amount, String unit, double ratePerSec) {

    /** Unit of byte loads. */
    public static final String BYTES = "B";
    /** Unit of message-issue loads. */
    public static final String MESSAGES = "msg";

    /**
     * A byte load.
     *
     * @param resourceClass the class.
     * @param resource      the instance name.
     * @param rank          owning rank.
     * @param bytes         bytes to move.
     * @param capacityGBps  capacity, GB/s (10^9 bytes per second).
     * @return the load.
     */
    public static ResourceLoad bytes(final String resourceClass, final String resource, final int rank,
        final long bytes, final double capacityGBps) {
        return new ResourceLoad(resourceClass, resource, rank, bytes, BYTES, capacityGBps * 1e9);
    }

    /**
     * @return microseconds the instance needs for this load alone: {@code amount / ratePerSec * 1e6}.
     */
    public double us() {
        return amount / ratePerSec * 1e6;
    }

    /**
     * @return true when the amount is bytes (not messages).
     */
    public boolean isBytes() {
        return BYTES.equals(unit);
    }
}
