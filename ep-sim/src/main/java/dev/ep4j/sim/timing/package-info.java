/**
 * The timing model's contract: {@link dev.ep4j.sim.timing.TimingCase} (hardware, shape, op, config, traffic) in,
 * {@link dev.ep4j.sim.timing.TimingResult} (DeepEP-convention time and bandwidth, phases, bottleneck) out, from the
 * analytical tier or the discrete-event pipeline models.
 */
package dev.ep4j.sim.timing;
