package dev.ep4j.sim.net;

/**
 * What a resource stands for. Kinds are data for reports and attribution (which class of link bound a kernel);
 * the bandwidth model treats every kind the same way.
 *
 * <p>Thread safety: immutable.
 */
public enum ResourceKind {
    /** A GPU's NVLink bandwidth out of the GPU (all links together, one direction). */
    NVLINK_EGRESS,
    /** A GPU's NVLink bandwidth into the GPU. */
    NVLINK_INGRESS,
    /** An NVSwitch (or its aggregate); omit it from paths when it is non-blocking. */
    NVSWITCH,
    /** Copy throughput of one SM (or of the warps of one channel) that drives NVLink stores or TMA copies. */
    SM_COPY,
    /** A PCIe link (GPU to PCIe switch, NIC to PCIe switch), one direction. */
    PCIE,
    /** A NIC's transmit side. */
    NIC_TX,
    /** A NIC's receive side. */
    NIC_RX,
    /** A fabric link (leaf/spine uplink), one direction, possibly oversubscribed. */
    FABRIC,
    /** Anything else. */
    OTHER
}
