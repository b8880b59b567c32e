package dev.ep4j.sim.stats;

import dev.ep4j.sim.timing.CaseResult;
import dev.ep4j.sim.timing.TimingResult;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG charts of a study (XChart, rendered off-screen; the launcher sets {@code java.awt.headless=true}):
 * {@code bandwidth.png}, DeepEP-convention GB/s against the EP size, one series per mode × op (× SM count when
 * several), and {@code phases.png}, the time of each case stacked by phase (normal and low-latency kernels in two
 * panels, their scales differ by ten). The data behind both is in
 * {@code results.csv}. Fonts are the JDK's logical fonts at fixed sizes and the encoder writes no time stamp, so the
 * bytes are identical for identical results on one machine and JDK.
 *
 * <p>Stateless and thread-safe (each call renders its own chart).
 */
public final class Charts {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;
    /** Fill per phase (layout, notify, cpuSync, main, other), the same in every panel. */
    private static final Color[] PHASE_COLORS = {
        new Color(0x4C72B0), new Color(0xDD8452), new Color(0x8172B3), new Color(0x55A868), new Color(0x937860),
    };

    private Charts() {
    }

    /**
     * Writes {@code bandwidth.png} and {@code phases.png} into {@code dir}.
     *
     * @param dir     the output folder (exists).
     * @param results the results.
     * @return the files written.
     * @throws IOException when rendering or writing fails.
     */
    public static List<Path> write(final Path dir, final List<CaseResult> results)
        throws IOException {
        final Path bw = dir.resolve("bandwidth.png");
        final Path ph = dir.resolve("phases.png");
        Files.write(bw, BitmapEncoder.getBitmapBytes(bandwidth(results), BitmapEncoder.BitmapFormat.PNG));
        final List<CaseResult> normal = new ArrayList<>();
        final List<CaseResult> lowLatency = new ArrayList<>();
        for (final CaseResult c : results) {
            ("normal".equals(c.result().mode()) ? normal : lowLatency).add(c);
        }
        final List<CategoryChart> panels = new ArrayList<>();
        if (!normal.isEmpty()) {
            panels.add(phases("Normal kernels: time per phase (main = DeepEP's kernel time)", normal));
        }
        if (!lowLatency.isEmpty() || panels.isEmpty()) {
            panels.add(phases("Low-latency kernels: time per phase (main = DeepEP's kernel time)", lowLatency));
        }
        final ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(panels, panels.size(), 1, png, BitmapEncoder.BitmapFormat.PNG);
        Files.write(ph, png.toByteArray());
        return List.of(bw, ph);
    }

    /**
     * @param results the results.
     * @return GB/s against the EP size.
     */
    static XYChart bandwidth(final List<CaseResult> results) {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Bandwidth (DeepEP accounting)"
            + " vs EP size").xAxisTitle("EP size (ranks, log scale)").yAxisTitle("GB/s").build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(8);
        boolean severalSms = false;
        Integer firstSms = null;
        for (final CaseResult c : results) {
            if (c.spec().config() != null) {
                final int sms = c.spec().config().numSms();
                severalSms |= firstSms != null && firstSms != sms;
                firstSms = firstSms == null ? sms : firstSms;
            }
        }
        final Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (final CaseResult c : results) {
            final TimingResult r = c.result();
            String name = r.mode() + " " + r.op();
            if (severalSms && c.spec().config() != null) {
                name += " " + c.spec().config().numSms() + " SMs";
            }
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {r.ranks(), r.bandwidthGBps()});
        }
        for (final Map.Entry<String, List<double[]>> e : series.entrySet()) {
            final List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            final double[] x = new double[pts.size()];
            final double[] y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            chart.addSeries(e.getKey(), x, y);
        }
        if (series.isEmpty()) {
            chart.addSeries("none", new double[] {1}, new double[] {0});
        }
        return chart;
    }

    /**
     * @param title   the panel's title.
     * @param results the results.
     * @return per case, the phases stacked (microseconds).
     */
    static CategoryChart phases(final String title, final List<CaseResult> results) {
        final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT * 3 / 4).title(title)
            .xAxisTitle("case").yAxisTitle("microseconds").build();
        style(chart.getStyler());
        chart.getStyler().setStacked(true);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        final List<String> names = new ArrayList<>();
        for (final CaseResult c : results) {
            final TimingResult r = c.result();
            String name = ("normal".equals(r.mode()) ? "N" : "LL") + r.ranks() + " " + r.op();
            if (c.spec().config() != null) {
                name += " " + c.spec().config().numSms() + "SM";
            }
            while (names.contains(name)) {
                name += "'";
            }
            names.add(name);
        }
        final List<String> phases = new ArrayList<>();
        for (final CaseResult c : results) {
            for (final String p : c.result().phasesUs().keySet()) {
                if (!phases.contains(p)) {
                    phases.add(p);
                }
            }
        }
        phases.sort((a, b) -> Integer.compare(order(a), order(b)));
        for (final String p : phases) {
            final List<Double> v = new ArrayList<>();
            for (final CaseResult c : results) {
                v.add(c.result().phasesUs().getOrDefault(p, 0.0));
            }
            chart.addSeries(p, names, v).setFillColor(PHASE_COLORS[Math.min(order(p), PHASE_COLORS.length - 1)]);
        }
        if (results.isEmpty()) {
            chart.addSeries("none", List.of("none"), List.of(0.0));
        }
        return chart;
    }

    private static int order(final String phase) {
        final int i = List.of("layout", "notify", "cpuSync", "main").indexOf(phase);
        return i < 0 ? PHASE_COLORS.length - 1 : i;
    }

    private static void style(final Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendBackgroundColor(Color.WHITE);
        s.setBaseFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAntiAlias(true);
    }
}
