package dev.ep4j.cuda;

import dev.ep4j.api.Availability;
import dev.ep4j.api.Backend;
import dev.ep4j.api.BackendProvider;
import dev.ep4j.api.error.BackendUnavailableException;
import java.util.Map;

/**
 * The {@code cuda} backend's provider. The Hopper kernels and their JavaCPP binding are not built yet, so it
 * reports itself unavailable with that reason; no fake behaviour.
 *
 * <p>Stateless and thread-safe.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** Why the backend cannot be opened yet. */
    static final String NOT_IMPLEMENTED = "not implemented yet: the Hopper kernels (libep4j_kernels.so) and their "
        + "JavaCPP binding are still to be built; use the sim backend once it exists";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability availability() {
        return Availability.no(NOT_IMPLEMENTED);
    }

    @Override
    public Backend open(final Map<String, String> options) {
        throw new BackendUnavailableException("cuda: " + NOT_IMPLEMENTED);
    }
}
