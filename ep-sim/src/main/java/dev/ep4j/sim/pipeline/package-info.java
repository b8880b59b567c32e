/**
 * Chunk-level discrete-event pipeline models of DeepEP's kernels (intranode, internode dispatch/combine with
 * RDMA-to-NVLink forwarding, low-latency), built on {@code dev.ep4j.sim.event} and {@code dev.ep4j.sim.net}.
 *
 * <p><b>Status: work in progress, not registered.</b> {@link dev.ep4j.sim.pipeline.DesModel} is deliberately not
 * listed in {@code META-INF/services/dev.ep4j.sim.timing.TimingModel}, so {@code ep4j simulate} cannot select it
 * and keeps using the analytical model. It has no tests yet, is not calibrated against
 * {@code shared/spec/calibration.md}, and its deadlock reporting and speed are unverified. Register it only together
 * with those tests and {@code docs/calibration.md}.
 */
package dev.ep4j.sim.pipeline;
