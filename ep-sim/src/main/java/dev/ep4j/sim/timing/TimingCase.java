package dev.ep4j.sim.timing;

import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;

/**
 * One kernel to predict: the hardware, the group's shape, the op, its config and sizes, and its traffic.
 *
 * @param hardware  GPU, NIC and fabric parameters (from configs/).
 * @param shape     nodes x GPUs per node of this run.
 * @param op        which kernel.
 * @param config    the normal kernels' config (null for low-latency).
 * @param hidden    H.
 * @param topK      K.
 * @param fp8       FP8 payload (dispatch) — per token H + 4·H/128 bytes instead of 2H.
 * @param logfmt    LogFMT-10 combine payload (low-latency combine).
 * @param traffic   normal-mode traffic (null for low-latency).
 * @param llTraffic low-latency traffic (null for normal).
 * @param maxTokens T_max of low-latency calls (0 otherwise).
 */
public record TimingCase(
    ResolvedTopology hardware, Topology shape, OpKind op, KernelConfig config, int hidden, int topK, boolean fp8,
    boolean logfmt, Traffic traffic, LowLatencyTraffic llTraffic, int maxTokens) {
}
