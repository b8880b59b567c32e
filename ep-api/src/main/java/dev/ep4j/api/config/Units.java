package dev.ep4j.api.config;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The unit suffixes that config key names end with ({@code latencyNs}, {@code bandwidthGBps}, {@code memoryGiB}),
 * used to explain unit mistakes ({@code latencyUs} where {@code latencyNs} is expected) and to describe keys in the
 * generated JSON Schemas.
 *
 * <p>Stateless; thread-safe.
 */
final class Units {

    /**
     * A unit suffix of a key name.
     *
     * @param suffix the suffix as written in key names, case-sensitive, e.g. {@code "GBps"}.
     * @param symbol the conventional symbol, e.g. {@code "GB/s"}.
     * @param words  the unit in words, e.g. {@code "gigabytes per second"}.
     */
    record Unit(String suffix, String symbol, String words) {
        /** @return e.g. {@code "gigabytes per second (GB/s)"}. */
        String describe() {
            return words + " (" + symbol + ")";
        }

        /** @return e.g. {@code "in gigabytes per second (GB/s)"}, or {@code "per second (1/s)"} for rates. */
        String inUnit() {
            return (words.startsWith("per ") ? "" : "in ") + describe();
        }
    }

    /** Known suffixes, longest first so that {@code GiBps} wins over {@code Bps}. */
    private static final List<Unit> UNITS = List.of(
        new Unit("Ps", "ps", "picoseconds"),
        new Unit("Ns", "ns", "nanoseconds"),
        new Unit("Us", "us", "microseconds"),
        new Unit("Ms", "ms", "milliseconds"),
        new Unit("Sec", "s", "seconds"),
        new Unit("TBps", "TB/s", "terabytes per second"),
        new Unit("GBps", "GB/s", "gigabytes per second"),
        new Unit("MBps", "MB/s", "megabytes per second"),
        new Unit("GiBps", "GiB/s", "gibibytes per second"),
        new Unit("Bps", "B/s", "bytes per second"),
        new Unit("Tbps", "Tb/s", "terabits per second"),
        new Unit("Gbps", "Gb/s", "gigabits per second"),
        new Unit("Mbps", "Mb/s", "megabits per second"),
        new Unit("GTps", "GT/s", "gigatransfers per second"),
        new Unit("TiB", "TiB", "tebibytes"),
        new Unit("GiB", "GiB", "gibibytes"),
        new Unit("MiB", "MiB", "mebibytes"),
        new Unit("KiB", "KiB", "kibibytes"),
        new Unit("TB", "TB", "terabytes"),
        new Unit("GB", "GB", "gigabytes"),
        new Unit("MB", "MB", "megabytes"),
        new Unit("KB", "kB", "kilobytes"),
        new Unit("Bytes", "B", "bytes"),
        new Unit("PerSec", "1/s", "per second"),
        new Unit("Watts", "W", "watts"),
        new Unit("MHz", "MHz", "megahertz"))
        .stream()
        .sorted(Comparator.comparingInt((Unit u) -> u.suffix().length()).reversed())
        .toList();

    private Units() {
    }

    /**
     * Finds the unit suffix of a camel-case key name. The suffix must follow a lower-case letter or a digit, so
     * {@code "numSms"} has none and {@code "latencyNs"} has {@code Ns}.
     *
     * @param key a key name.
     * @return its unit, or empty when the key carries none.
     */
    static Optional<Unit> of(final String key) {
        for (final Unit unit : UNITS) {
            final String suffix = unit.suffix();
            if (key.length() > suffix.length() && key.endsWith(suffix)) {
                final char before = key.charAt(key.length() - suffix.length() - 1);
                if (Character.isLowerCase(before) || Character.isDigit(before)) {
                    return Optional.of(unit);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * @param key a key name.
     * @return the key without its unit suffix, e.g. {@code "latency"} for {@code "latencyNs"}; the key itself when it
     *     has no unit.
     */
    static String base(final String key) {
        return of(key).map(u -> key.substring(0, key.length() - u.suffix().length())).orElse(key);
    }
}
