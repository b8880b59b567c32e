package dev.ep4j.api.validate;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.Tensor;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Small argument checks shared by {@link OpValidator}; each throws {@link InvalidInputException} whose message names
 * the argument, the value seen and what is expected.
 */
final class Checks {
    private Checks() {
    }

    static Tensor present(final String name, final Tensor t) {
        if (t == null) {
            throw new InvalidInputException(name + " is null; it is required here");
        }
        return t;
    }

    static void dtype(final String name, final Tensor t, final DType... allowed) {
        final Set<DType> ok = EnumSet.noneOf(DType.class);
        ok.addAll(Arrays.asList(allowed));
        if (!ok.contains(t.dtype())) {
            throw new InvalidInputException(name + " has dtype " + t.dtype() + "; expected " + ok);
        }
    }

    static void dims(final String name, final Tensor t, final int rank) {
        if (t.rank() != rank) {
            throw new InvalidInputException(name + " has shape " + Arrays.toString(t.shape()) + " (" + t.rank()
                + " dims); expected " + rank + " dims");
        }
    }

    /**
     * Checks the exact shape; a negative expected entry means "any size".
     */
    static void shape(final String name, final Tensor t, final long... expected) {
        final long[] s = t.shape();
        boolean ok = s.length == expected.length;
        for (int i = 0; ok && i < s.length; i++) {
            ok = expected[i] < 0 || expected[i] == s[i];
        }
        if (!ok) {
            throw new InvalidInputException(name + " has shape " + Arrays.toString(s) + "; expected "
                + describe(expected));
        }
    }

    static String describe(final long[] expected) {
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < expected.length; i++) {
            b.append(i == 0 ? "" : ", ").append(expected[i] < 0 ? "*" : Long.toString(expected[i]));
        }
        return b.append(']').toString();
    }

    static void absent(final String name, final Object o, final String why) {
        if (o != null) {
            throw new InvalidInputException(name + " must be null " + why);
        }
    }

    static void positive(final String name, final long v) {
        if (v <= 0) {
            throw new InvalidInputException(name + "=" + v + " must be > 0");
        }
    }
}
