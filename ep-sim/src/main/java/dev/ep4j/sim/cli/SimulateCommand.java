package dev.ep4j.sim.cli;

import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.DefaultConfigs;
import dev.ep4j.api.kernel.KernelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j simulate}: the main job. The timing model does not exist yet, so today it says so and prints what it
 * can compute for the built-in default scenario (DeepSeek-V3 on H800 + CX7): the buffer bytes each EP size needs.
 * It exits 0: nothing failed, nothing is pretended.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Predict dispatch/combine times on a cluster (timing model not implemented yet; prints the "
        + "default scenario's buffer sizes).")
final class SimulateCommand implements Callable<Integer> {
    /** DeepSeek-V3 hidden size. */
    private static final int HIDDEN = 7168;
    /** Normal-mode EP sizes of the default scenario. */
    private static final int[] NORMAL_EP = {8, 16, 32, 64};
    /** Low-latency EP sizes of the default scenario. */
    private static final int[] LL_EP = {8, 16, 32, 64, 128, 256};
    /** SMs of the default scenario's normal kernels. */
    private static final int SMS = 24;

    static final String STATUS = "timing model not implemented yet: no times are predicted; buffer sizes are "
        + "exact (DeepEP's formulas)";

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        final List<Map<String, Object>> buffers = new ArrayList<>();
        for (final int r : NORMAL_EP) {
            final KernelConfig d = DefaultConfigs.dispatch(r, SMS);
            final KernelConfig c = DefaultConfigs.combine(r, SMS);
            final long hb = 2L * HIDDEN;
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("mode", "normal");
            row.put("ranks", r);
            row.put("nodes", Math.max(r / 8, 1));
            row.put("nvlBytes", Math.max(BufferSizing.nvlSizeHint(d, hb, r), BufferSizing.nvlSizeHint(c, hb, r)));
            row.put("rdmaBytes", Math.max(BufferSizing.rdmaSizeHint(d, hb, r), BufferSizing.rdmaSizeHint(c, hb, r)));
            buffers.add(row);
        }
        for (final int r : LL_EP) {
            final int experts = 288 % r == 0 ? 288 : 256;
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("mode", "low-latency");
            row.put("ranks", r);
            row.put("nodes", Math.max(r / 8, 1));
            row.put("experts", experts);
            row.put("rdmaBytes", BufferSizing.lowLatencySizeHint(128, HIDDEN, r, experts));
            buffers.add(row);
        }
        if (json) {
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", STATUS);
            out.put("results", List.of());
            out.put("buffers", buffers);
            System.out.println(Json.write(out));
            return 0;
        }
        System.out.println("ep4j simulate: " + STATUS + ".");
        System.out.println("Default scenario: DeepSeek-V3 (hidden 7168, top-8) on H800 + CX7, 8 GPUs per node;");
        System.out.println("normal mode 4096 tokens/rank, " + SMS + " SMs, BF16-sized buffers (max of DeepEP's "
            + "default dispatch/combine configs); low-latency 128 tokens/rank.");
        System.out.println();
        System.out.printf("%-12s %6s %6s %8s %16s %16s%n", "mode", "ranks", "nodes", "experts", "NVL bytes",
            "RDMA bytes");
        for (final Map<String, Object> row : buffers) {
            System.out.printf("%-12s %6d %6d %8s %,16d %,16d%n", row.get("mode"), row.get("ranks"), row.get("nodes"),
                row.getOrDefault("experts", "256"), (Long) row.getOrDefault("nvlBytes", 0L), row.get("rdmaBytes"));
        }
        System.out.println();
        System.out.println("Available today: ep4j size-hint, ep4j validate, ep4j info (see ep4j --help).");
        return 0;
    }
}
