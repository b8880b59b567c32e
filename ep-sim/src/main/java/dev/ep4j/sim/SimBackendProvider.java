package dev.ep4j.sim;

import dev.ep4j.api.Availability;
import dev.ep4j.api.Backend;
import dev.ep4j.api.BackendProvider;
import java.util.Map;

/**
 * The {@code sim} backend's provider: always available (pure Java). Stateless and thread-safe.
 */
public final class SimBackendProvider implements BackendProvider {
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
        return Availability.yes();
    }

    @Override
    public Backend open(final Map<String, String> options) {
        return new SimBackend();
    }
}
