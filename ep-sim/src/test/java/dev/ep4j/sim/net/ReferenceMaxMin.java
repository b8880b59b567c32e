package dev.ep4j.sim.net;

import java.math.BigInteger;
import java.util.List;

/**
 * A deliberately naive, independent max-min solver for tests: progressive filling over all resources, the
 * bottleneck found by a linear scan with exact BigInteger comparison of remaining capacity / unfrozen flows (lowest
 * id on ties), every flow through it frozen at the floored share. Same rule as {@link Network}, different code.
 */
final class ReferenceMaxMin {
    private ReferenceMaxMin() {
    }

    static long[] rates(final long[] capacities, final List<int[]> paths) {
        final int n = paths.size();
        final long[] rem = capacities.clone();
        final int[] count = new int[capacities.length];
        for (final int[] p : paths) {
            for (final int r : p) {
                count[r]++;
            }
        }
        final long[] rate = new long[n];
        final boolean[] frozen = new boolean[n];
        int left = n;
        while (left > 0) {
            int best = -1;
            for (int r = 0; r < rem.length; r++) {
                if (count[r] == 0) {
                    continue;
                }
                if (best < 0 || BigInteger.valueOf(rem[r]).multiply(BigInteger.valueOf(count[best]))
                    .compareTo(BigInteger.valueOf(rem[best]).multiply(BigInteger.valueOf(count[r]))) < 0) {
                    best = r;
                }
            }
            final long share = rem[best] / count[best];
            for (int f = 0; f < n; f++) {
                if (frozen[f] || !contains(paths.get(f), best)) {
                    continue;
                }
                frozen[f] = true;
                rate[f] = share;
                left--;
                for (final int q : paths.get(f)) {
                    rem[q] -= share;
                    count[q]--;
                }
            }
        }
        return rate;
    }

    private static boolean contains(final int[] p, final int r) {
        for (final int x : p) {
            if (x == r) {
                return true;
            }
        }
        return false;
    }
}
