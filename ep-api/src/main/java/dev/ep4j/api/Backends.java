package dev.ep4j.api;

import dev.ep4j.api.error.BackendUnavailableException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and opens backends: {@code Backends.open("sim")}, {@code "cuda"} or {@code "auto"} (the available backend
 * with the highest priority, logged). Thread-safe.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /**
     * @return every provider on the class path, by descending priority.
     */
    public static List<BackendProvider> providers() {
        final List<BackendProvider> list = new ArrayList<>();
        for (final BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            list.add(p);
        }
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
            .thenComparing(BackendProvider::name));
        return list;
    }

    /**
     * @param name "sim", "cuda" or "auto".
     * @return the opened backend.
     * @throws BackendUnavailableException when the name is unknown or the backend is unavailable; the message
     *     lists every discovered backend with its state.
     */
    public static Backend open(final String name) {
        return open(name, Map.of());
    }

    /**
     * @param name    "sim", "cuda" or "auto".
     * @param options backend options.
     * @return the opened backend.
     * @throws BackendUnavailableException when the name is unknown or the backend is unavailable.
     */
    public static Backend open(final String name, final Map<String, String> options) {
        final List<BackendProvider> all = providers();
        if ("auto".equals(name)) {
            for (final BackendProvider p : all) {
                if (p.availability().available()) {
                    LOG.info("backend auto: chose {} (priority {})", p.name(), p.priority());
                    return p.open(options);
                }
            }
            throw new BackendUnavailableException("no backend is available: " + describe(all));
        }
        for (final BackendProvider p : all) {
            if (p.name().equals(name)) {
                final Availability a = p.availability();
                if (!a.available()) {
                    throw new BackendUnavailableException(name + ": " + a.reason());
                }
                return p.open(options);
            }
        }
        throw new BackendUnavailableException("unknown backend '" + name + "'; discovered: " + describe(all)
            + "; use one of these names or 'auto'");
    }

    /**
     * @param providers providers to describe.
     * @return "name: available" or "name: unavailable (reason)" per provider.
     */
    public static String describe(final List<BackendProvider> providers) {
        if (providers.isEmpty()) {
            return "none (no META-INF/services/dev.ep4j.api.BackendProvider on the class path)";
        }
        return providers.stream().map(p -> {
            final Availability a = p.availability();
            return p.name() + ": " + (a.available() ? "available" : "unavailable (" + a.reason() + ")");
        }).collect(Collectors.joining("; "));
    }
}
