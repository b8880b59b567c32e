/**
 * The {@code sim} backend: a CPU functional executor with bit-identical outputs and a discrete-event timing model
 * of NVLink/RDMA clusters (DESIGN.md §4). Today only its provider exists, reporting "not implemented yet".
 */
package dev.ep4j.sim;
