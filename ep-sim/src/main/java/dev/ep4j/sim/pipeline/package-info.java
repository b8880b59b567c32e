/**
 * The chunk-level discrete-event tier of the timing model ({@link dev.ep4j.sim.pipeline.DesModel}, registered as
 * {@code des} and the default of {@code ep4j simulate}): DeepEP's kernels as {@link dev.ep4j.sim.pipeline.Stream}s
 * (warp groups walking their tokens a chunk at a time, taking turns on a {@link dev.ep4j.sim.pipeline.Lane}) over
 * {@link dev.ep4j.sim.pipeline.Ring}s with head/tail credits, moving bytes over the shared resources of a
 * {@link dev.ep4j.sim.pipeline.Cluster} in {@code dev.ep4j.sim.net} on the event core of {@code dev.ep4j.sim.event}.
 * {@link dev.ep4j.sim.pipeline.NormalPipelines} builds the normal kernels (intranode; internode with RDMA → NVLink
 * forwarding), {@link dev.ep4j.sim.pipeline.LowLatencyPipeline} the low-latency ones. A pipeline that cannot progress
 * ends in a {@link dev.ep4j.sim.pipeline.DeadlockException} naming the ring. {@link dev.ep4j.sim.pipeline.Calibration}
 * fits the free parameters on the published DeepEP rows (docs/calibration.md).
 */
package dev.ep4j.sim.pipeline;
