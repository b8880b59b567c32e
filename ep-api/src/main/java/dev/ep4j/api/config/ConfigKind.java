package dev.ep4j.api.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of config file, written as the top-level {@code "kind"} of every file. Each kind has its record type and
 * its directory under the configs root; a file's name is its {@code id} plus {@code .json}.
 *
 * <p>Immutable and thread-safe.
 */
public enum ConfigKind {
    /** A GPU hardware profile, {@code hardware/gpu/<id>.json}. */
    GPU("gpu", "hardware/gpu", GpuProfile.class),
    /** A NIC hardware profile, {@code hardware/nic/<id>.json}. */
    NIC("nic", "hardware/nic", NicProfile.class),
    /** A PCIe link profile, {@code hardware/pcie/<id>.json}. */
    PCIE("pcie", "hardware/pcie", PcieProfile.class),
    /** A cluster: shape plus the hardware it is built from, {@code topologies/<id>.json}. */
    TOPOLOGY("topology", "topologies", TopologyConfig.class),
    /** An MoE communication shape, {@code workloads/<id>.json}. */
    WORKLOAD("workload", "workloads", WorkloadConfig.class),
    /** What to run on which topology and workload, {@code scenarios/<id>.json}. */
    SCENARIO("scenario", "scenarios", ScenarioConfig.class);

    private final String jsonName;
    private final String directory;
    private final Class<? extends ConfigFile> recordType;

    ConfigKind(final String jsonName, final String directory, final Class<? extends ConfigFile> recordType) {
        this.jsonName = jsonName;
        this.directory = directory;
        this.recordType = recordType;
    }

    /**
     * @return the value of {@code "kind"} in a file, e.g. {@code "gpu"}.
     */
    public String jsonName() {
        return jsonName;
    }

    /**
     * @return the directory of this kind relative to the configs root, with {@code /} separators, e.g.
     *     {@code "hardware/gpu"}.
     */
    public String directory() {
        return directory;
    }

    /**
     * @return the record a file of this kind is read into.
     */
    public Class<? extends ConfigFile> recordType() {
        return recordType;
    }

    /**
     * Finds the kind written as {@code jsonName} in a file.
     *
     * @param jsonName a {@code "kind"} value, e.g. {@code "topology"}; may be null.
     * @return the kind, or empty when the name is not a kind.
     */
    public static Optional<ConfigKind> fromJsonName(final String jsonName) {
        return Arrays.stream(values()).filter(k -> k.jsonName.equals(jsonName)).findFirst();
    }

    /**
     * Finds the kind whose record type is {@code type}.
     *
     * @param type a config record type, e.g. {@code GpuProfile.class}.
     * @return the kind of that record.
     * @throws IllegalArgumentException when {@code type} is not a config record type.
     */
    public static ConfigKind of(final Class<?> type) {
        for (final ConfigKind kind : values()) {
            if (kind.recordType.equals(type)) {
                return kind;
            }
        }
        throw new IllegalArgumentException(type + " is not a config record type; expected one of "
            + Arrays.toString(Arrays.stream(values()).map(k -> k.recordType.getSimpleName()).toArray()));
    }

    /**
     * @return {@link #jsonName()}, so that Jackson and the schema generator write the file form.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
