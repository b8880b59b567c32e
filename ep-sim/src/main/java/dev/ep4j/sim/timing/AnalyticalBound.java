package dev.ep4j.sim.timing;

import java.util.List;
import java.util.Map;

/**
 * The pure bandwidth bound of one kernel: {@code max_r(bytes_r / C_r)} over every resource instance, with no latency,
 * no fixed cost and no pipeline fill. No schedule can move the kernel's bytes faster, so every timing model's
 * main-kernel time must be at least {@link #boundUs()} (the regression oracle of simulator.md §5.9).
 *
 * <p>Immutable apart from the arrays and maps handed in (not copied, never modified); thread-safe for reading.
 *
 * @param boundUs       the bound, microseconds.
 * @param bottleneck    class of the instance that sets it ("nvlink", "rdma", "pcie", "sm").
 * @param resource      that instance, e.g. {@code "gpu3 nvlink-rx"}.
 * @param classUs       per class, the time of its busiest instance, microseconds (insertion order: nvlink, rdma,
 *                      pcie, sm; classes without load are absent).
 * @param classResource per class, its busiest instance.
 * @param classBytes    per class, the bytes (or messages) of its busiest instance.
 * @param rankUs        per rank, the time of its busiest own instance, microseconds.
 * @param loads         every instance's load (see {@link Accounting#loads}).
 */
public record AnalyticalBound(
    double boundUs, String bottleneck, String resource, Map<String, Double> classUs,
    Map<String, String> classResource, Map<String, Long> classBytes, double[] rankUs, List<ResourceLoad> loads) {
}
