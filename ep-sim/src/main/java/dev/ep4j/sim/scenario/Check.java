package dev.ep4j.sim.scenario;

/**
 * One verification outcome.
 *
 * @param name   what was checked.
 * @param passed whether it held on every rank.
 * @param detail the first mismatch (rank, index, values) or a short summary.
 */
public record Check(String name, boolean passed, String detail) {
    static Check pass(final String name, final String detail) {
        return new Check(name, true, detail);
    }

    static Check fail(final String name, final String detail) {
        return new Check(name, false, detail);
    }
}
