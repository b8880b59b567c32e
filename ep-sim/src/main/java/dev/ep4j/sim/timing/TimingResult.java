package dev.ep4j.sim.timing;

import java.util.Map;

/**
 * A predicted kernel: DeepEP's metrics (main-kernel time of the slowest rank, bandwidth with the reference tests'
 * byte accounting) plus the phases, the bottleneck and the model's own cost.
 *
 * @param model         "analytical" or "des".
 * @param mode          "normal" or "low-latency".
 * @param ranks         R.
 * @param nodes         nodes.
 * @param op            "dispatch" or "combine".
 * @param timeUs        main kernel time of the slowest rank, microseconds.
 * @param bandwidthGBps logical bytes of the slowest rank / timeUs (DeepEP accounting: normal intranode NVLink bytes
 *                      received incl. own rank; normal internode "RDMA" bytes per (token, destination node) incl. own
 *                      node; LL Σ message bytes over valid selections; FP8 = H + 4H/128 bytes per token).
 * @param bottleneck    the resource class that bound the slowest rank: "nvlink", "rdma", "sm", "pcie", "latency".
 * @param phasesUs      phase name to microseconds (e.g. "layout", "notify", "cpuSync", "main").
 * @param logicalBytes  the numerator of bandwidthGBps.
 * @param rankTimeUs    main kernel time per rank, microseconds.
 * @param utilisation   resource class to its busiest instance's utilisation during the main kernel, 0..1.
 * @param events        events processed (0 for analytical).
 * @param wallMs        wall time the prediction took, milliseconds.
 */
public record TimingResult(
    String model, String mode, int ranks, int nodes, String op, double timeUs, double bandwidthGBps,
    String bottleneck, Map<String, Double> phasesUs, long logicalBytes, double[] rankTimeUs,
    Map<String, Double> utilisation, long events, double wallMs) {
}
