package dev.ep4j.sim;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.sim.exec.DispatchInput;
import java.util.Arrays;
import java.util.Objects;

/**
 * Checks that every rank of a collective passed compatible arguments (same dtype, hidden size, scale layout,
 * top-k width, channel count, mode); on disagreement every rank fails with the same message. Stateless.
 */
final class Agreement {
    private Agreement() {
    }

    static void dispatch(final int me, final DispatchInput[] all) {
        final DispatchInput a = all[0];
        for (int r = 1; r < all.length; r++) {
            final DispatchInput b = all[r];
            same(r, "x dtype", a.x().dtype(), b.x().dtype());
            same(r, "payloads (x with content)", a.hasPayload(), b.hasPayload());
            same(r, "hidden size", a.x().dim(1), b.x().dim(1));
            same(r, "scales", a.scales() == null ? "none" : a.scales().dtype() + Arrays.toString(new long[] {
                a.scales().dim(1)}), b.scales() == null ? "none" : b.scales().dtype() + Arrays.toString(new long[] {
                    b.scales().dim(1)}));
            same(r, "top-k width", a.topkIdx() == null ? 0 : a.topkIdx().dim(1),
                b.topkIdx() == null ? 0 : b.topkIdx().dim(1));
            same(r, "cached dispatch", a.cached() != null, b.cached() != null);
            same(r, "channels (numSms / 2)", a.config().channels(), b.config().channels());
            same(r, "experts", a.perExpert() == null ? 0 : a.perExpert().dim(0),
                b.perExpert() == null ? 0 : b.perExpert().dim(0));
        }
    }

    private static void same(final int r, final String what, final Object rank0, final Object rankR) {
        if (!Objects.equals(rank0, rankR)) {
            throw new InvalidInputException("ranks disagree on " + what + ": rank 0 passed " + rank0 + ", rank " + r
                + " passed " + rankR + "; every rank must call the collective with matching arguments");
        }
    }
}
