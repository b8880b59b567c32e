package dev.ep4j.sim.timing;

import dev.ep4j.api.error.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The timing models on the class path, by {@link TimingModel#name()}: the built-in {@link AnalyticalModel} plus every
 * {@link TimingModel} registered for {@link ServiceLoader} (see {@link TimingModel} for how). The default is
 * {@value #DES} when a model of that name is registered, else {@value #ANALYTICAL}.
 *
 * <p>Discovery runs once per class loader; thread-safe.
 */
public final class TimingModels {
    /** Name of the analytical tier. */
    public static final String ANALYTICAL = AnalyticalModel.NAME;
    /** Name of the discrete-event pipeline model. */
    public static final String DES = "des";

    private TimingModels() {
    }

    /** Lazy holder: the discovered models. */
    private static final class Registry {
        static final Map<String, TimingModel> MODELS = discover();

        private static Map<String, TimingModel> discover() {
            final Map<String, TimingModel> m = new TreeMap<>();
            for (final TimingModel t : ServiceLoader.load(TimingModel.class, TimingModels.class.getClassLoader())) {
                m.putIfAbsent(t.name(), t);
            }
            m.put(ANALYTICAL, new AnalyticalModel());
            return m;
        }
    }

    /**
     * @return names of the available models, sorted.
     */
    public static List<String> names() {
        return new ArrayList<>(Registry.MODELS.keySet());
    }

    /**
     * @return {@value #DES} when registered, else {@value #ANALYTICAL}.
     */
    public static String defaultName() {
        return Registry.MODELS.containsKey(DES) ? DES : ANALYTICAL;
    }

    /**
     * @param name a model name, or null/blank for the default.
     * @return the model.
     * @throws ConfigException when no model has that name, listing those that exist.
     */
    public static TimingModel byName(final String name) {
        final String n = name == null || name.isBlank() ? defaultName() : name;
        final TimingModel m = Registry.MODELS.get(n);
        if (m == null) {
            throw new ConfigException("timing model \"" + n + "\" is not available; available: " + names()
                + (DES.equals(n) ? " (the discrete-event model is not on the class path in this build; use"
                    + " --model analytical)" : ""));
        }
        return m;
    }
}
