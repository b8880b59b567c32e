package dev.ep4j.api.config;

/**
 * One config file: every kind has a {@code kind}, an {@code id} (its file name without {@code .json}) and a
 * human-readable {@code name}.
 *
 * <p>Implementations are immutable records and thread-safe.
 */
public sealed interface ConfigFile permits HardwareProfile, TopologyConfig, WorkloadConfig, ScenarioConfig {

    /**
     * @return the kind written as {@code "kind"} in the file.
     */
    ConfigKind kind();

    /**
     * @return the id, equal to the file name without {@code .json}; lower case letters, digits, {@code '-'} and
     *     {@code '.'}.
     */
    String id();

    /**
     * @return a human-readable name.
     */
    String name();
}
