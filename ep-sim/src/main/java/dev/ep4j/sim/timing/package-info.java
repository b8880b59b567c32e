/**
 * The timing models and what surrounds them.
 *
 * <p>The contract: {@link dev.ep4j.sim.timing.TimingCase} (hardware, shape, op, config, traffic matrices) in,
 * {@link dev.ep4j.sim.timing.TimingResult} (DeepEP-convention time and bandwidth, phases, bottleneck) out, from a
 * {@link dev.ep4j.sim.timing.TimingModel}: the built-in analytical tier {@link dev.ep4j.sim.timing.AnalyticalModel}
 * or a discrete-event pipeline model registered through {@link java.util.ServiceLoader} (see
 * {@link dev.ep4j.sim.timing.TimingModels}). A model may report its timeline to a
 * {@link dev.ep4j.sim.timing.TraceSink}.
 *
 * <p>Around it: {@link dev.ep4j.sim.timing.Accounting} (DeepEP's logical bytes and the physical bytes per resource),
 * {@link dev.ep4j.sim.timing.AnalyticalBound} (the bandwidth bound no model may beat),
 * {@link dev.ep4j.sim.timing.Study} and {@link dev.ep4j.sim.timing.CaseSpec} (what to simulate, including the
 * built-in DeepSeek-V3 H800 default), {@link dev.ep4j.sim.timing.ScenarioSimulator} (routing, traffic and parallel
 * prediction in a deterministic order) and {@link dev.ep4j.sim.timing.Planner} (configs that fit a memory budget).
 */
package dev.ep4j.sim.timing;
