package dev.ep4j.api;

import java.util.Map;

/**
 * Service-provider interface of a backend, discovered with {@link java.util.ServiceLoader} from
 * {@code META-INF/services/dev.ep4j.api.BackendProvider}. Implementations are cheap to construct; the availability
 * probe runs once and is remembered.
 */
public interface BackendProvider {
    /**
     * @return the name users select it by ("sim", "cuda").
     */
    String name();

    /**
     * @return preference for {@code auto}: the available provider with the highest priority wins.
     */
    int priority();

    /**
     * @return whether it can be opened here, with the reason when not.
     */
    Availability availability();

    /**
     * @param options backend-specific options (may be empty).
     * @return the opened backend.
     * @throws dev.ep4j.api.error.BackendUnavailableException when not available.
     */
    Backend open(Map<String, String> options);
}
