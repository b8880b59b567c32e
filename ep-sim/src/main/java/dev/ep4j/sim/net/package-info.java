/**
 * The simulator's resource and network model (to come): NVLink egress/ingress, NVSwitch, per-SM copy throughput,
 * PCIe, NIC TX/RX and fabric links, shared by max-min fairness.
 */
package dev.ep4j.sim.net;
