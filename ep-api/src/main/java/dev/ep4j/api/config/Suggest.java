package dev.ep4j.api.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean" for misspelled keys, enum values and ids: the closest candidate by edit distance (insertions,
 * deletions, substitutions and adjacent transpositions), ignoring case, when it is close enough to be a typo.
 *
 * <p>Stateless; thread-safe.
 */
final class Suggest {

    private Suggest() {
    }

    /**
     * @param word       what was written.
     * @param candidates what is allowed, in preference order for ties.
     * @return the closest candidate within the typo threshold (1 edit up to 4 characters, 2 up to 11, else 3).
     */
    static Optional<String> closest(final String word, final Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        final String lower = word.toLowerCase(Locale.ROOT);
        for (final String candidate : candidates) {
            final int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        final int length = Math.max(word.length(), best.length());
        final int threshold = length <= 4 ? 1 : length <= 11 ? 2 : 3;
        return bestDistance <= threshold ? Optional.of(best) : Optional.empty();
    }

    /**
     * @param a a string.
     * @param b another string.
     * @return the optimal-string-alignment edit distance between them.
     */
    static int distance(final String a, final String b) {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
