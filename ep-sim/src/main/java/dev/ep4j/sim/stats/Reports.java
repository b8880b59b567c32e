package dev.ep4j.sim.stats;

import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.sim.timing.AnalyticalBound;
import dev.ep4j.sim.timing.CaseResult;
import dev.ep4j.sim.timing.CaseSpec;
import dev.ep4j.sim.timing.Planner;
import dev.ep4j.sim.timing.TimingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The simulator's reports: one row per case as a map (the JSON {@code results} entries), {@code results.json},
 * {@code results.csv} and the terminal table. Output is deterministic: fixed key and column order, numbers rounded
 * to fixed decimals (times to 1 ns, bandwidths to 0.01 GB/s, utilisations to 0.001), no wall-clock values, '\n' line
 * ends.
 *
 * <p>Stateless and thread-safe.
 */
public final class Reports {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    /** Phases reported as columns, in timeline order. */
    private static final List<String> PHASES = List.of("layout", "notify", "cpuSync", "main");
    /** Resource classes reported as columns. */
    private static final List<String> CLASSES = List.of("nvlink", "rdma", "pcie", "sm");

    private Reports() {
    }

    /**
     * One case as an ordered map: the fields first ({@code mode, ranks, nodes, op, timeUs, bandwidthGBps,
     * bottleneck}), then the details.
     *
     * @param c a result.
     * @return the row.
     */
    public static Map<String, Object> row(final CaseResult c) {
        final TimingResult r = c.result();
        final CaseSpec s = c.spec();
        final AnalyticalBound b = c.bound();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", r.mode());
        m.put("ranks", r.ranks());
        m.put("nodes", r.nodes());
        m.put("op", r.op());
        m.put("timeUs", round(r.timeUs(), 3));
        m.put("bandwidthGBps", round(r.bandwidthGBps(), 2));
        m.put("bottleneck", r.bottleneck());
        m.put("model", r.model());
        m.put("boundUs", round(b.boundUs(), 3));
        m.put("boundResource", b.resource());
        m.put("scenario", s.scenario().scenario().id());
        m.put("gpu", s.scenario().topology().gpu().id());
        m.put("nic", s.scenario().topology().nic().id());
        m.put("tokensPerRank", s.scenario().workload().tokensPerRank());
        m.put("hidden", s.scenario().workload().hidden());
        m.put("experts", s.scenario().workload().experts());
        m.put("topK", s.scenario().workload().topK());
        m.put("dtype", dtype(c));
        m.put("numSms", s.config() == null ? null : s.config().numSms());
        m.put("config", s.config() == null ? null : s.config().toString());
        final Map<String, Object> phases = new LinkedHashMap<>();
        double total = 0;
        for (final Map.Entry<String, Double> e : r.phasesUs().entrySet()) {
            phases.put(e.getKey(), round(e.getValue(), 3));
            total += e.getValue();
        }
        m.put("phasesUs", phases);
        m.put("totalUs", round(total, 3));
        m.put("logicalBytes", r.logicalBytes());
        final long[] need = bufferNeed(s);
        final Map<String, Object> buffers = new LinkedHashMap<>();
        buffers.put("nvlBytes", need[0]);
        buffers.put("rdmaBytes", need[1]);
        m.put("bufferNeed", buffers);
        final Map<String, Object> busiest = new LinkedHashMap<>();
        for (final Map.Entry<String, Double> e : b.classUs().entrySet()) {
            final Map<String, Object> x = new LinkedHashMap<>();
            x.put("resource", b.classResource().get(e.getKey()));
            x.put("amount", b.classBytes().get(e.getKey()));
            x.put("us", round(e.getValue(), 3));
            busiest.put(e.getKey(), x);
        }
        m.put("busiest", busiest);
        final Map<String, Object> util = new LinkedHashMap<>();
        for (final Map.Entry<String, Double> e : r.utilisation().entrySet()) {
            util.put(e.getKey(), round(e.getValue(), 3));
        }
        m.put("utilisation", util);
        m.put("events", r.events());
        m.put("note", c.note());
        return m;
    }

    /**
     * @param s a case.
     * @return the exact NVLink and RDMA buffer bytes the call needs (normal kernels: {@link Planner#need}; low-latency:
     *     DeepEP's layout for the workload's T, H and E).
     */
    static long[] bufferNeed(final CaseSpec s) {
        final var w = s.scenario().workload();
        if (s.lowLatency()) {
            return new long[] {0, BufferSizing.lowLatencySizeHint(w.tokensPerRank(), w.hidden(), s.ep(), w.experts())};
        }
        final BufferSizing.BufferNeed n = Planner.need(s.scenario(), s.shape(), s.op(), s.config());
        return new long[] {n.nvlBytes(), n.rdmaBytes()};
    }

    private static String dtype(final CaseResult c) {
        final var w = c.spec().scenario().workload();
        final boolean dispatch = "dispatch".equals(c.result().op());
        return dispatch ? w.dispatchDtype().toString().toLowerCase(Locale.ROOT)
            : w.combineDtype().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * @param title   a description of the study.
     * @param model   the model asked for.
     * @param results the results.
     * @return the JSON document: {@code {"title", "model", "results": [rows]}}, pretty-printed, ending in '\n'.
     */
    public static String json(final String title, final String model, final List<CaseResult> results) {
        final Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("title", title);
        doc.put("model", model);
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final CaseResult c : results) {
            rows.add(row(c));
        }
        doc.put("results", rows);
        return MAPPER.writeValueAsString(doc).replace("\r\n", "\n") + "\n";
    }

    /**
     * @param results the results.
     * @return CSV with a header line: identification, time, bandwidth, bottleneck, bound, phases, per-class busiest
     *     time and utilisation.
     */
    public static String csv(final List<CaseResult> results) {
        final StringBuilder sb = new StringBuilder();
        final List<String> head = new ArrayList<>(List.of("mode", "ranks", "nodes", "op", "timeUs", "bandwidthGBps",
            "bottleneck", "model", "boundUs", "boundResource", "scenario", "tokensPerRank", "experts", "dtype",
            "numSms", "config"));
        for (final String p : PHASES) {
            head.add(p + "Us");
        }
        head.add("totalUs");
        head.add("logicalBytes");
        head.add("nvlNeedBytes");
        head.add("rdmaNeedBytes");
        for (final String cls : CLASSES) {
            head.add(cls + "Us");
        }
        for (final String cls : CLASSES) {
            head.add(cls + "Util");
        }
        head.add("events");
        head.add("note");
        sb.append(String.join(",", head)).append('\n');
        for (final CaseResult c : results) {
            final Map<String, Object> m = row(c);
            final List<String> cells = new ArrayList<>();
            for (final String k : head.subList(0, 16)) {
                cells.add(cell(m.get(k)));
            }
            @SuppressWarnings("unchecked")
            final Map<String, Object> phases = (Map<String, Object>) m.get("phasesUs");
            for (final String p : PHASES) {
                cells.add(cell(phases.get(p)));
            }
            cells.add(cell(m.get("totalUs")));
            cells.add(cell(m.get("logicalBytes")));
            final long[] need = bufferNeed(c.spec());
            cells.add(cell(need[0]));
            cells.add(cell(need[1]));
            for (final String cls : CLASSES) {
                final Double us = c.bound().classUs().get(cls);
                cells.add(cell(us == null ? null : round(us, 3)));
            }
            for (final String cls : CLASSES) {
                final Double u = c.result().utilisation().get(cls);
                cells.add(cell(u == null ? null : round(u, 3)));
            }
            cells.add(cell(m.get("events")));
            cells.add(cell(m.get("note")));
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    private static String cell(final Object v) {
        if (v == null) {
            return "";
        }
        final String s = String.valueOf(v);
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    /**
     * The terminal table: one line per case with the fields, the bandwidth bound, the bottleneck's
     * utilisation and the phases before the main kernel (layout + notify + CPU sync).
     *
     * @param results the results.
     * @return the table, lines ending in '\n'.
     */
    public static String table(final List<CaseResult> results) {
        final StringBuilder sb = new StringBuilder();
        final String fmt = "%-11s %4s %5s %-8s %7s %4s %10s %8s %-10s %10s %5s %12s%n";
        sb.append(String.format(Locale.ROOT, fmt, "mode", "EP", "nodes", "op", "experts", "SMs", "time(us)",
            "GB/s", "bottleneck", "bound(us)", "util", "pre-main(us)"));
        for (final CaseResult c : results) {
            final TimingResult r = c.result();
            final CaseSpec s = c.spec();
            double pre = 0;
            for (final Map.Entry<String, Double> e : r.phasesUs().entrySet()) {
                if (!"main".equals(e.getKey())) {
                    pre += e.getValue();
                }
            }
            final Double util = r.utilisation().get(c.bound().bottleneck());
            sb.append(String.format(Locale.ROOT, fmt, r.mode(), r.ranks(), r.nodes(), r.op(),
                s.scenario().workload().experts(), s.config() == null ? "-" : s.config().numSms(),
                String.format(Locale.ROOT, "%.1f", r.timeUs()), String.format(Locale.ROOT, "%.1f", r.bandwidthGBps()),
                r.bottleneck(), String.format(Locale.ROOT, "%.1f", c.bound().boundUs()),
                util == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * util),
                pre == 0 ? "-" : String.format(Locale.ROOT, "%.1f", pre)));
            if (!c.note().isEmpty()) {
                sb.append("    note: ").append(c.note()).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Writes {@code results.json} and {@code results.csv} into {@code dir} (created).
     *
     * @param dir     the output folder.
     * @param title   the study's description.
     * @param model   the model asked for.
     * @param results the results.
     * @return the files written.
     * @throws IOException when writing fails.
     */
    public static List<Path> write(final Path dir, final String title, final String model,
        final List<CaseResult> results) throws IOException {
        return write(dir, "results", title, model, results);
    }

    /**
     * Writes {@code <base>.json} and {@code <base>.csv} into {@code dir} (created).
     *
     * @param dir     the output folder.
     * @param base    the file name without extension, e.g. {@code "sweep"}.
     * @param title   the study's description.
     * @param model   the model asked for.
     * @param results the results.
     * @return the files written.
     * @throws IOException when writing fails.
     */
    public static List<Path> write(final Path dir, final String base, final String title, final String model,
        final List<CaseResult> results) throws IOException {
        Files.createDirectories(dir);
        final Path json = dir.resolve(base + ".json");
        final Path csv = dir.resolve(base + ".csv");
        Files.writeString(json, json(title, model, results), StandardCharsets.UTF_8);
        Files.writeString(csv, csv(results), StandardCharsets.UTF_8);
        return List.of(json, csv);
    }

    /**
     * @param v      a value.
     * @param digits decimals kept.
     * @return {@code v} rounded half-up to {@code digits} decimals (non-finite values unchanged).
     */
    public static double round(final double v, final int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        final double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
