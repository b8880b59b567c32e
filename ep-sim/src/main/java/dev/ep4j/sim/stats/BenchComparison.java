package dev.ep4j.sim.stats;

import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.timing.AnalyticalBound;
import dev.ep4j.sim.timing.AnalyticalModel;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TimingResult;
import dev.ep4j.sim.timing.TraceSink;
import dev.ep4j.sim.timing.Traffic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Predicted next to measured: reads the rows of an {@code IntranodeBench} CSV (ep-native; virtual ranks on one GPU,
 * cached dispatch of BF16 or FP8 and BF16 combine) and predicts each with the analytical model on the same routing
 * ({@link Routing#uniform} with the bench's seed, unsorted, as the bench draws it) and config
 * ({@code KernelConfig(numSms, chunk, ring, 4, 8)}). Cached dispatch and unweighted combine carry no top-k in their
 * ring records, so the cases have {@code topK = 0} in the record accounting (data, 4-byte source index, FP8 scales).
 * The measured time is {@code t_group} (first start to last end over all ranks), the model's is the slowest rank's
 * main kernel; the error is signed, {@code (predicted − measured) / measured}.
 *
 * <p>CSV columns are found by name: {@code ranks, op, num_sms, nvl_chunk, t_group_us} are required,
 * {@code nvl_recv_tokens} is optional (256); lines starting with {@code #} are comments.
 *
 * <p>Stateless and thread-safe.
 */
public final class BenchComparison {
    private BenchComparison() {
    }

    /**
     * One measured row.
     *
     * @param ranks      R.
     * @param op         {@code dispatch-bf16}, {@code dispatch-fp8} or {@code combine-bf16}.
     * @param numSms     SMs per rank.
     * @param chunk      NVL chunk, tokens.
     * @param ringTokens NVL ring slots per (channel, peer).
     * @param measuredUs {@code t_group}, microseconds.
     */
    public record Measured(int ranks, String op, int numSms, int chunk, int ringTokens, double measuredUs) {
    }

    /**
     * One row predicted.
     *
     * @param m           the measurement.
     * @param predictedUs the model's main-kernel time, microseconds.
     * @param bottleneck  the class that bound it.
     * @param hbmUs       the HBM term alone, microseconds.
     * @param smUs        the busiest block alone, microseconds.
     */
    public record Row(Measured m, double predictedUs, String bottleneck, double hbmUs, double smUs) {
        /**
         * @return {@code (predicted − measured) / measured}.
         */
        public double error() {
            return (predictedUs - m.measuredUs()) / m.measuredUs();
        }
    }

    /**
     * @param csv an IntranodeBench CSV.
     * @return its rows, in file order.
     * @throws IOException when reading fails.
     * @throws ConfigException when a required column is missing or a value is not a number.
     */
    public static List<Measured> read(final Path csv) throws IOException {
        final List<String> lines = new ArrayList<>();
        for (final String l : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
            if (!l.isBlank() && !l.startsWith("#")) {
                lines.add(l);
            }
        }
        if (lines.isEmpty()) {
            throw new ConfigException(csv + ": no header");
        }
        final List<String> head = Arrays.asList(lines.get(0).split(",", -1));
        final int[] col = new int[6];
        final String[] names = {"ranks", "op", "num_sms", "nvl_chunk", "t_group_us", "nvl_recv_tokens"};
        for (int i = 0; i < names.length; i++) {
            col[i] = head.indexOf(names[i]);
            if (col[i] < 0 && i < 5) {
                throw new ConfigException(csv + ": no column " + names[i] + " in the header " + head);
            }
        }
        final List<Measured> out = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            final String[] f = lines.get(n).split(",", -1);
            try {
                out.add(new Measured(Integer.parseInt(f[col[0]].trim()), f[col[1]].trim(),
                    Integer.parseInt(f[col[2]].trim()), Integer.parseInt(f[col[3]].trim()),
                    col[5] < 0 ? 256 : Integer.parseInt(f[col[5]].trim()), Double.parseDouble(f[col[4]].trim())));
            } catch (final NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new ConfigException(csv + ": line " + (n + 1) + " is not a bench row: " + lines.get(n), e);
            }
        }
        return out;
    }

    /**
     * Predicts every row.
     *
     * @param hw       the shared-GPU topology.
     * @param workload tokens per rank, hidden, experts and top-k of the bench.
     * @param seed     the bench's routing seed.
     * @param rows     the measurements.
     * @return one predicted row per measurement, same order.
     */
    public static List<Row> predict(final ResolvedTopology hw, final WorkloadConfig workload, final long seed,
        final List<Measured> rows) {
        final Map<Integer, List<HostTensor>> routing = new HashMap<>();
        final Map<String, Traffic> traffic = new HashMap<>();
        final AnalyticalModel model = new AnalyticalModel();
        final List<Row> out = new ArrayList<>();
        for (final Measured m : rows) {
            final Topology shape = hw.topology().shapeForRanks(m.ranks());
            final List<HostTensor> topk = routing.computeIfAbsent(m.ranks(), r -> {
                final List<HostTensor> l = new ArrayList<>();
                for (int x = 0; x < r; x++) {
                    l.add(Routing.uniform(seed, x, workload.tokensPerRank(), workload.experts(), workload.topK(),
                        false));
                }
                return l;
            });
            final int channels = m.numSms() / 2;
            final Traffic t = traffic.computeIfAbsent(m.ranks() + "/" + channels,
                k -> Traffic.of(shape, channels, workload.experts(), topk));
            final boolean combine = m.op().startsWith("combine");
            if (!combine && !m.op().startsWith("dispatch")) {
                throw new ConfigException("bench op " + m.op() + " is neither dispatch-* nor combine-*");
            }
            final TimingCase c = new TimingCase(hw, shape, combine ? OpKind.COMBINE : OpKind.DISPATCH,
                new KernelConfig(m.numSms(), m.chunk(), m.ringTokens(), 4, 8), workload.hidden(), 0,
                m.op().endsWith("fp8"), false, t, null, 0);
            final TimingResult r = model.predict(c, TraceSink.NONE);
            final AnalyticalBound b = AnalyticalModel.bound(c);
            out.add(new Row(m, r.timeUs(), r.bottleneck(), b.classUs().getOrDefault("hbm", 0.0),
                b.classUs().getOrDefault("sm", 0.0)));
        }
        return out;
    }

    /**
     * @param rows     predicted rows.
     * @param markdown a Markdown table instead of aligned text.
     * @return one line per row: R, op, SMs, chunk, measured, predicted, signed error, bottleneck, HBM and SM terms.
     */
    public static String table(final List<Row> rows, final boolean markdown) {
        final StringBuilder sb = new StringBuilder();
        final String fmt = markdown ? "| %d | %s | %d | %d | %.1f | %.1f | %+.1f %% | %s | %.1f | %.1f |%n"
            : "%2d %-14s %4d %5d %11.1f %11.1f %+8.1f%% %-8s %9.1f %9.1f%n";
        if (markdown) {
            sb.append("| R | op | SMs/rank | chunk | measured µs | predicted µs | error | bound by | HBM term µs"
                + " | SM term µs |\n|---|---|---|---|---|---|---|---|---|---|\n");
        } else {
            sb.append(String.format(Locale.ROOT, "%2s %-14s %4s %5s %11s %11s %9s %-8s %9s %9s%n", "R", "op", "SMs",
                "chunk", "measured_us", "predict_us", "error", "bound", "hbm_us", "sm_us"));
        }
        for (final Row r : rows) {
            final Measured m = r.m();
            sb.append(String.format(Locale.ROOT, fmt, m.ranks(), m.op(), m.numSms(), m.chunk(), m.measuredUs(),
                r.predictedUs(), 100 * r.error(), r.bottleneck(), r.hbmUs(), r.smUs()));
        }
        return sb.toString();
    }

    /**
     * @param rows predicted rows.
     * @return MAPE, max |error| (with its row), mean signed error, per op; and per (R, op) the measured best config,
     *     the model's best config and the error on the measured best.
     */
    public static String summary(final List<Row> rows) {
        final StringBuilder sb = new StringBuilder();
        final Map<String, List<Row>> byOp = new LinkedHashMap<>();
        byOp.put("all", rows);
        for (final Row r : rows) {
            byOp.computeIfAbsent(r.m().op(), k -> new ArrayList<>()).add(r);
        }
        for (final Map.Entry<String, List<Row>> e : byOp.entrySet()) {
            double abs = 0;
            double signed = 0;
            Row worst = null;
            for (final Row r : e.getValue()) {
                abs += Math.abs(r.error());
                signed += r.error();
                if (worst == null || Math.abs(r.error()) > Math.abs(worst.error())) {
                    worst = r;
                }
            }
            final int n = e.getValue().size();
            sb.append(String.format(Locale.ROOT, "%-13s n=%2d  MAPE %5.1f %%  mean signed %+6.1f %%  max |error| %5.1f"
                + " %% (R=%d %s %d SMs chunk %d)%n", e.getKey(), n, 100 * abs / n, 100 * signed / n,
                100 * Math.abs(worst.error()), worst.m().ranks(), worst.m().op(), worst.m().numSms(),
                worst.m().chunk()));
        }
        final Map<String, Row[]> best = new LinkedHashMap<>();
        for (final Row r : rows) {
            final Row[] b = best.computeIfAbsent(r.m().ranks() + " " + r.m().op(), k -> new Row[2]);
            if (b[0] == null || r.m().measuredUs() < b[0].m().measuredUs()) {
                b[0] = r;
            }
            if (b[1] == null || r.predictedUs() < b[1].predictedUs()) {
                b[1] = r;
            }
        }
        sb.append(String.format(Locale.ROOT, "%nbest config per (R, op): measured best, its prediction, and the"
            + " model's own pick%n"));
        for (final Map.Entry<String, Row[]> e : best.entrySet()) {
            final Row m = e.getValue()[0];
            final Row p = e.getValue()[1];
            sb.append(String.format(Locale.ROOT, "%-16s measured best %2d SMs chunk %2d: %7.1f µs, predicted %7.1f µs"
                + " (%+.1f %%); model picks %2d SMs chunk %2d (measured %7.1f µs)%n", e.getKey(), m.m().numSms(),
                m.m().chunk(), m.m().measuredUs(), m.predictedUs(), 100 * m.error(), p.m().numSms(), p.m().chunk(),
                p.m().measuredUs()));
        }
        return sb.toString();
    }
}
