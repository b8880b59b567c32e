package dev.ep4j.sim.pipeline;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.ResolvedTopology;
import dev.ep4j.sim.timing.CaseSpec;
import dev.ep4j.sim.timing.ScenarioSimulator;
import dev.ep4j.sim.timing.Study;
import dev.ep4j.sim.timing.TimingCase;
import dev.ep4j.sim.timing.TimingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * Calibration of the discrete-event model on the published DeepEP rows of spec/calibration.md (H800 + CX7,
 * DeepSeek-V3 shapes), with one parameter set for the generation — never per row (procedure in docs/calibration.md):
 *
 * <ol>
 *   <li>{@code nvlinkEffectiveBandwidthGBps}: the NVLink rate DeepEP's SM-driven stores reach, on the four normal
 *       rows (intranode and internode are both NVLink-bound in the model): the value in [100, 160] GB/s that
 *       minimises the largest relative error.</li>
 *   <li>{@code lowLatencyKernelFixedNs}: the low-latency kernels' fixed in-kernel cost, on the four low-latency rows
 *       (the bandwidth part uses the NVLink rate of step 1): the value in [0, 60] µs that minimises the largest
 *       relative error.</li>
 * </ol>
 * Each minimisation is a golden-section search on a max of near-linear functions of the parameter (unimodal), to
 * 0.05 GB/s and 10 ns. The other parameters keep the sources written in the hardware profile.
 *
 * <p>Not thread-safe; one calibration per instance.
 */
public final class Calibration {
    /** A published row: mode, EP, op, GB/s, and microseconds where published (0 otherwise). */
    public record Row(String mode, int ep, String op, double gbps, double us) {
    }

    /** One row's prediction and its error in bandwidth (the published metric). */
    public record Residual(Row row, double predictedGBps, double predictedUs, String bottleneck) {
        /** @return (predicted − published) / published of the bandwidth. */
        public double error() {
            return (predictedGBps - row.gbps()) / row.gbps();
        }
    }

    /** The published rows of spec/calibration.md. */
    public static final List<Row> ROWS = List.of(
        new Row("normal", 8, "dispatch", 153, 0), new Row("normal", 8, "combine", 158, 0),
        new Row("normal", 16, "dispatch", 43, 0), new Row("normal", 16, "combine", 43, 0),
        new Row("low-latency", 8, "dispatch", 98, 77), new Row("low-latency", 8, "combine", 127, 114),
        new Row("low-latency", 16, "dispatch", 63, 118), new Row("low-latency", 16, "combine", 74, 195));

    private final List<TimingCase> cases = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();
    private final DesModel model = new DesModel();

    /**
     * Builds the eight cases (routing once) from the built-in study of {@code configRoot}.
     *
     * @param configRoot the configs/ folder.
     */
    public Calibration(final Path configRoot) {
        final List<CaseSpec> specs = new ArrayList<>();
        for (final Row row : ROWS) {
            for (final CaseSpec s : Study.deepSeekV3H800(configRoot).cases()) {
                final boolean ll = row.mode().equals("low-latency");
                final String op = s.op().name().endsWith("DISPATCH") ? "dispatch" : "combine";
                if (s.lowLatency() == ll && s.ep() == row.ep() && op.equals(row.op())) {
                    specs.add(s);
                    rows.add(row);
                    break;
                }
            }
        }
        cases.addAll(new ScenarioSimulator(model, Runtime.getRuntime().availableProcessors()).timingCases(specs));
    }

    /**
     * @param nvlGBps     NVLink effective bandwidth to use, or NaN for the profile's.
     * @param llFixedNs   low-latency fixed cost to use, or NaN for the profile's.
     * @return the residual of every row.
     */
    public List<Residual> residuals(final double nvlGBps, final double llFixedNs) {
        final List<Residual> out = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            final TimingCase c = cases.get(i);
            final TimingCase t = new TimingCase(with(c.hardware(), nvlGBps, llFixedNs), c.shape(), c.op(), c.config(),
                c.hidden(), c.topK(), c.fp8(), c.logfmt(), c.traffic(), c.llTraffic(), c.maxTokens());
            final TimingResult r = model.predict(t);
            out.add(new Residual(rows.get(i), r.bandwidthGBps(), r.timeUs(), r.bottleneck()));
        }
        return out;
    }

    /** The fitted parameters and the residuals they give. */
    public record Fit(double nvlinkEffectiveBandwidthGBps, double lowLatencyKernelFixedNs, List<Residual> residuals) {
    }

    /**
     * Runs the two-step procedure of the class comment.
     *
     * @return the fit.
     */
    public Fit fit() {
        final double nvl = minimise(x -> maxError(residuals(x, Double.NaN), "normal"), 100, 160, 0.05);
        final double ll = minimise(x -> maxError(residuals(nvl, x), "low-latency"), 0, 60_000, 10);
        return new Fit(nvl, ll, residuals(nvl, ll));
    }

    private static double maxError(final List<Residual> rs, final String mode) {
        double m = 0;
        for (final Residual r : rs) {
            if (r.row().mode().equals(mode)) {
                m = Math.max(m, Math.abs(r.error()));
            }
        }
        return m;
    }

    private static double minimise(final DoubleUnaryOperator f, final double lo, final double hi, final double tol) {
        final double g = (Math.sqrt(5) - 1) / 2;
        double a = lo;
        double b = hi;
        double c = b - g * (b - a);
        double d = a + g * (b - a);
        double fc = f.applyAsDouble(c);
        double fd = f.applyAsDouble(d);
        while (b - a > tol) {
            if (fc <= fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = f.applyAsDouble(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = f.applyAsDouble(d);
            }
        }
        return Math.round((a + b) / 2 / tol) * tol;
    }

    private static ResolvedTopology with(final ResolvedTopology hw, final double nvlGBps, final double llFixedNs) {
        GpuProfile p = hw.gpu();
        if (!Double.isNaN(nvlGBps)) {
            p = p.withNvlinkEffectiveBandwidthGBps(nvlGBps);
        }
        if (!Double.isNaN(llFixedNs)) {
            p = p.withLowLatencyKernelFixedNs(llFixedNs);
        }
        return new ResolvedTopology(hw.topology(), p, hw.gpuPcie(), hw.nic(), hw.nicPcie());
    }

    /**
     * @param rs residuals.
     * @return a table: row, published, predicted, error, bottleneck; then MAPE and max |error|.
     */
    public static String table(final List<Residual> rs) {
        final StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-11s %4s %-8s %10s %10s %8s %9s %9s %-8s%n", "mode", "EP", "op",
            "ref GB/s", "sim GB/s", "error", "ref us", "sim us", "bound by"));
        double sum = 0;
        double max = 0;
        for (final Residual r : rs) {
            final Row row = r.row();
            b.append(String.format(Locale.ROOT, "%-11s %4d %-8s %10.1f %10.1f %+7.1f%% %9s %9.1f %-8s%n", row.mode(),
                row.ep(), row.op(), row.gbps(), r.predictedGBps(), 100 * r.error(),
                row.us() > 0 ? String.format(Locale.ROOT, "%.0f", row.us()) : "-", r.predictedUs(), r.bottleneck()));
            sum += Math.abs(r.error());
            max = Math.max(max, Math.abs(r.error()));
        }
        b.append(String.format(Locale.ROOT, "MAPE %.1f %%, max |error| %.1f %% over %d rows%n", 100 * sum / rs.size(),
            100 * max, rs.size()));
        return b.toString();
    }
}
