package dev.ep4j.api.config;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validation helpers for the compact constructors of the config records. Every failure is a
 * {@link ConfigFieldException} whose message names the record, the field, the value and the allowed range.
 *
 * <p>Stateless; thread-safe.
 */
final class Check {
    /** Ids are file names: lower-case letters and digits, joined by single {@code '-'} or {@code '.'}. */
    static final Pattern ID = Pattern.compile("[a-z0-9]+(?:[.-][a-z0-9]+)*");

    /** Upper bound for any bandwidth, GB/s: far above any link or memory of today, catches unit slips. */
    static final double MAX_GBPS = 1.0e6;

    /** Upper bound for any latency, ns (one second). */
    static final double MAX_LATENCY_NS = 1.0e9;

    private Check() {
    }

    /**
     * @param type    what is being validated, e.g. {@code "GpuProfile"} or {@code "topology h800-8x2-cx7"}.
     * @param field   the field path relative to the record, e.g. {@code "epSizes[2]"}.
     * @param message a sentence naming the field, its value and what is allowed.
     * @return the exception to throw.
     */
    static ConfigFieldException fail(final String type, final String field, final String message) {
        return new ConfigFieldException(field, type + ": " + message);
    }

    static <T> T notNull(final String type, final String field, final T value) {
        if (value == null) {
            throw fail(type, field, field + " must not be null");
        }
        return value;
    }

    static void kind(final String type, final ConfigKind expected, final ConfigKind actual) {
        notNull(type, "kind", actual);
        if (actual != expected) {
            throw fail(type, "kind", "kind=" + actual + " but this record holds kind \"" + expected + "\"");
        }
    }

    static String id(final String type, final String field, final String value) {
        notNull(type, field, value);
        if (!ID.matcher(value).matches()) {
            throw fail(type, field, field + "=\"" + value + "\" is not a valid id: use lower-case letters and digits"
                + " joined by '-' or '.', e.g. \"h800-8x2-cx7\" (ids are file names)");
        }
        return value;
    }

    static String text(final String type, final String field, final String value) {
        notNull(type, field, value);
        if (value.isBlank()) {
            throw fail(type, field, field + " must not be blank");
        }
        return value;
    }

    static int range(final String type, final String field, final int value, final int min, final int max) {
        if (value < min || value > max) {
            throw fail(type, field, field + "=" + value + " is outside the allowed range [" + min + ", " + max + "]");
        }
        return value;
    }

    static long range(final String type, final String field, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw fail(type, field, field + "=" + value + " is outside the allowed range [" + min + ", " + max + "]");
        }
        return value;
    }

    /** Inclusive range {@code [min, max]}; NaN and infinities are rejected. */
    static double range(final String type, final String field, final double value, final double min,
        final double max, final String unit) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw fail(type, field, field + "=" + format(value) + " is outside the allowed range [" + format(min)
                + ", " + format(max) + "] " + unit);
        }
        return value;
    }

    /** Range {@code (0, max]}; NaN and infinities are rejected. */
    static double positive(final String type, final String field, final double value, final double max,
        final String unit) {
        if (!Double.isFinite(value) || value <= 0 || value > max) {
            throw fail(type, field, field + "=" + format(value) + " is outside the allowed range (0, " + format(max)
                + "] " + unit);
        }
        return value;
    }

    static double bandwidthGBps(final String type, final String field, final double value) {
        return positive(type, field, value, MAX_GBPS, "GB/s");
    }

    static double latencyNs(final String type, final String field, final double value) {
        return range(type, field, value, 0, MAX_LATENCY_NS, "ns");
    }

    static <T> List<T> list(final String type, final String field, final List<T> value, final int minSize) {
        notNull(type, field, value);
        for (int i = 0; i < value.size(); i++) {
            if (value.get(i) == null) {
                throw fail(type, field + "[" + i + "]", field + "[" + i + "] must not be null");
            }
        }
        if (value.size() < minSize) {
            throw fail(type, field, field + " has " + value.size() + " entries; at least " + minSize
                + " required");
        }
        return List.copyOf(value);
    }

    /** Copies a source map, keeping file order; keys and values must be non-blank. */
    static Map<String, String> sources(final String type, final Map<String, String> value) {
        notNull(type, "sources", value);
        final Map<String, String> copy = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : value.entrySet()) {
            final String key = e.getKey();
            if (key == null || key.isBlank()) {
                throw fail(type, "sources", "sources has a blank key: keys are field names");
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw fail(type, "sources['" + key + "']", "the source of " + key + " must not be blank: name the"
                    + " document the number comes from, or write \"assumed; to be calibrated\"");
            }
            copy.put(key, e.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }

    /** Formats a double without a trailing {@code .0} and without exponent. */
    static String format(final double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
