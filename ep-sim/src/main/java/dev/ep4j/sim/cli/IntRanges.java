package dev.ep4j.sim.cli;

import dev.ep4j.api.error.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses integer lists of the CLI: comma-separated items, each a number or an inclusive range {@code a..b} with an
 * optional step {@code a..b:s}, e.g. {@code "8,16,24"} or {@code "4..32:4"}. Stateless.
 */
final class IntRanges {
    private IntRanges() {
    }

    /**
     * @param option the option's name, for messages.
     * @param text   the text, or null.
     * @return the values in the order written, duplicates removed; empty for null.
     * @throws InvalidInputException naming the option and the bad item.
     */
    static List<Integer> parse(final String option, final String text) {
        final List<Integer> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (final String raw : text.split(",")) {
            final String item = raw.trim();
            try {
                final int dots = item.indexOf("..");
                if (dots < 0) {
                    add(out, Integer.parseInt(item));
                    continue;
                }
                final int colon = item.indexOf(':', dots);
                final int from = Integer.parseInt(item.substring(0, dots).trim());
                final int to = Integer.parseInt(item.substring(dots + 2, colon < 0 ? item.length() : colon).trim());
                final int step = colon < 0 ? 1 : Integer.parseInt(item.substring(colon + 1).trim());
                if (step <= 0 || to < from || (long) (to - from) / step > 10_000) {
                    throw new NumberFormatException();
                }
                for (int v = from; v <= to; v += step) {
                    add(out, v);
                }
            } catch (final NumberFormatException e) {
                throw new InvalidInputException(option + " " + text + ": bad item \"" + item + "\"; write numbers or"
                    + " ranges a..b[:step] separated by commas, e.g. 4..32:4 or 8,16,24");
            }
        }
        return out;
    }

    private static void add(final List<Integer> out, final int v) {
        if (!out.contains(v)) {
            out.add(v);
        }
    }
}
