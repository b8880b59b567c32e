package dev.ep4j.sim.stats;

import dev.ep4j.sim.timing.CaseResult;
import dev.ep4j.sim.timing.TraceRecorder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes recorded timelines as a Chrome trace-event file ({@code trace.json}), which Perfetto (ui.perfetto.dev) and
 * {@code chrome://tracing} open: one process per case (in study order, named by its label), one thread per track
 * ({@code "rank r"} tracks first by rank, then the resource tracks by name), complete events ({@code "ph":"X"}) for
 * spans and counter events ({@code "ph":"C"}) for samples. Timestamps are microseconds written from the recorded
 * picoseconds as exact decimals, events sorted by (track, start, name), so the file is byte-identical for identical
 * inputs.
 *
 * <p>Stateless and thread-safe.
 */
public final class ChromeTrace {
    private ChromeTrace() {
    }

    /**
     * @param file    the file to write.
     * @param title   the study's description (in {@code otherData}).
     * @param model   the model asked for.
     * @param results the results; those without a trace are skipped.
     * @throws IOException when writing fails.
     */
    public static void write(final Path file, final String title, final String model,
        final List<CaseResult> results) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"title\":" + str(title) + ",\"model\":" + str(model)
                + "},\"traceEvents\":[\n");
            boolean first = true;
            int pid = 0;
            for (final CaseResult c : results) {
                pid++;
                final TraceRecorder rec = c.trace();
                if (rec == null) {
                    continue;
                }
                final List<String> lines = new ArrayList<>();
                lines.add("{\"ph\":\"M\",\"pid\":" + pid + ",\"name\":\"process_name\",\"args\":{\"name\":"
                    + str(c.spec().label() + " (" + c.result().model() + ")") + "}}");
                lines.add("{\"ph\":\"M\",\"pid\":" + pid + ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":"
                    + pid + "}}");
                if (rec.dropped() > 0) {
                    lines.add("{\"ph\":\"M\",\"pid\":" + pid + ",\"name\":\"process_labels\",\"args\":{\"labels\":"
                        + str(rec.dropped() + " events dropped beyond the cap") + "}}");
                }
                final Map<String, Integer> tids = tids(rec.events());
                for (final Map.Entry<String, Integer> e : tids.entrySet()) {
                    lines.add("{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + e.getValue()
                        + ",\"name\":\"thread_name\",\"args\":{\"name\":" + str(e.getKey()) + "}}");
                    lines.add("{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + e.getValue()
                        + ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" + e.getValue() + "}}");
                }
                final List<TraceRecorder.Event> events = new ArrayList<>(rec.events());
                events.sort(Comparator.comparing((TraceRecorder.Event e) -> tids.get(e.track()))
                    .thenComparingLong(TraceRecorder.Event::startPs).thenComparing(TraceRecorder.Event::name)
                    .thenComparingLong(TraceRecorder.Event::durationPs));
                for (final TraceRecorder.Event e : events) {
                    if (e.counter()) {
                        lines.add("{\"ph\":\"C\",\"pid\":" + pid + ",\"tid\":" + tids.get(e.track()) + ",\"name\":"
                            + str(e.track()) + ",\"ts\":" + us(e.startPs()) + ",\"args\":{" + str(e.name()) + ":"
                            + String.format(Locale.ROOT, "%.6g", e.value()) + "}}");
                    } else {
                        lines.add("{\"ph\":\"X\",\"pid\":" + pid + ",\"tid\":" + tids.get(e.track()) + ",\"name\":"
                            + str(e.name()) + ",\"ts\":" + us(e.startPs()) + ",\"dur\":" + us(e.durationPs()) + "}");
                    }
                }
                for (final String line : lines) {
                    if (!first) {
                        w.write(",\n");
                    }
                    first = false;
                    w.write(line);
                }
            }
            w.write("\n]}\n");
        }
    }

    /** Thread ids: rank tracks by rank number, then the other tracks by name. */
    private static Map<String, Integer> tids(final List<TraceRecorder.Event> events) {
        final TreeSet<String> names = new TreeSet<>(ChromeTrace::compareTracks);
        for (final TraceRecorder.Event e : events) {
            names.add(e.track());
        }
        final Map<String, Integer> out = new LinkedHashMap<>();
        int tid = 0;
        for (final String n : names) {
            out.put(n, ++tid);
        }
        return out;
    }

    private static int compareTracks(final String a, final String b) {
        final int ra = rankOf(a);
        final int rb = rankOf(b);
        if (ra >= 0 || rb >= 0) {
            if (ra < 0) {
                return 1;
            }
            if (rb < 0) {
                return -1;
            }
            if (ra != rb) {
                return Integer.compare(ra, rb);
            }
        }
        return a.compareTo(b);
    }

    /** The rank of a {@code "rank r"} or {@code "rank r ..."} track, else -1. */
    private static int rankOf(final String track) {
        if (!track.startsWith("rank ")) {
            return -1;
        }
        int end = 5;
        while (end < track.length() && Character.isDigit(track.charAt(end))) {
            end++;
        }
        if (end == 5 || end - 5 > 9) {
            return -1;
        }
        return Integer.parseInt(track.substring(5, end));
    }

    /** Picoseconds as microseconds, exactly: {@code <us>.<6 digits>}. */
    static String us(final long ps) {
        final long whole = ps / 1_000_000L;
        final long frac = Math.abs(ps % 1_000_000L);
        return (ps < 0 && whole == 0 ? "-" : "") + whole + "." + String.format(Locale.ROOT, "%06d", frac);
    }

    /** A JSON string literal. */
    static String str(final String s) {
        final StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            switch (ch) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (ch < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
