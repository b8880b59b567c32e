package dev.ep4j.sim.cli;

import dev.ep4j.api.config.Configs;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.sim.stats.BenchComparison;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j compare-bench}: the analytical model's prediction beside each row of an {@code IntranodeBench} CSV
 * (virtual ranks sharing one GPU), with the signed error per row, MAPE, max error and the best config per (R, op).
 * See {@link BenchComparison}.
 */
@Command(name = "compare-bench", mixinStandardHelpOptions = true,
    description = {"Predict every row of an IntranodeBench CSV (virtual ranks on one GPU) with the analytical model"
        + " and print predicted vs measured t_group with the signed error, MAPE and max error."})
final class CompareBenchCommand implements Callable<Integer> {
    @Option(names = "--csv", required = true, paramLabel = "FILE", description = "IntranodeBench CSV (columns"
        + " ranks, op, num_sms, nvl_chunk, t_group_us; nvl_recv_tokens optional).")
    Path csv;

    @Option(names = "--topology", defaultValue = "h100-shared-8", paramLabel = "ID", description = "Shared-GPU"
        + " topology id under configs/ (default: ${DEFAULT-VALUE}).")
    String topology;

    @Option(names = "--workload", defaultValue = "deepseek-v3-prefill", paramLabel = "ID", description = "Workload"
        + " id for tokens per rank, hidden, experts and top-k (default: ${DEFAULT-VALUE}; dtypes come from the"
        + " CSV's op names).")
    String workload;

    @Option(names = "--seed", defaultValue = "77", description = "Routing seed of the bench (default:"
        + " ${DEFAULT-VALUE}, IntranodeBench's).")
    long seed;

    @Option(names = "--markdown", description = "Print the per-row table as Markdown.")
    boolean markdown;

    @Override
    public Integer call() throws Exception {
        final Path root = Configs.defaultRoot();
        final ResolvedTopology hw = Configs.resolveTopology(root, topology);
        final WorkloadConfig w = Configs.resolve(root, WorkloadConfig.class, workload);
        final List<BenchComparison.Row> rows = BenchComparison.predict(hw, w, seed, BenchComparison.read(csv));
        System.out.println("ep4j compare-bench: " + csv + " on " + hw.topology().id() + " (" + w.tokensPerRank()
            + " tokens/rank, hidden " + w.hidden() + ", top-" + w.topK() + " of " + w.experts() + ", uniform routing"
            + " seed " + seed + "); model analytical (shared GPU)");
        System.out.println("measured: t_group; predicted: slowest rank's main kernel; error = (predicted - measured)"
            + " / measured");
        System.out.println();
        System.out.print(BenchComparison.table(rows, markdown));
        System.out.println();
        System.out.print(BenchComparison.summary(rows));
        return 0;
    }
}
