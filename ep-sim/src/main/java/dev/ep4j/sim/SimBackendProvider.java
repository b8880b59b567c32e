package dev.ep4j.sim;

import dev.ep4j.api.Availability;
import dev.ep4j.api.Backend;
import dev.ep4j.api.BackendProvider;
import dev.ep4j.api.error.BackendUnavailableException;
import java.util.Map;

/**
 * The {@code sim} backend's provider. The functional executor and the timing model are not implemented yet, so it
 * reports itself unavailable with that reason instead of pretending to work.
 *
 * <p>Stateless and thread-safe.
 */
public final class SimBackendProvider implements BackendProvider {
    /** Why the backend cannot be opened yet. */
    static final String NOT_IMPLEMENTED = "not implemented yet: the CPU functional executor and the timing model "
        + "are still to be built; the API, reference math, size hints and config validation work today";

    @Override
    public String name() {
        return "sim";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability availability() {
        return Availability.no(NOT_IMPLEMENTED);
    }

    @Override
    public Backend open(final Map<String, String> options) {
        throw new BackendUnavailableException("sim: " + NOT_IMPLEMENTED);
    }
}
