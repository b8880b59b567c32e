package dev.ep4j.api.config;

import java.util.Map;

/**
 * A hardware profile (GPU, NIC or PCIe link). Every numeric value in a hardware file has a source: {@link #sources()}
 * maps the field name (dotted for nested objects, e.g. {@code nvSwitch.chipsPerDomain}) to the document the number
 * comes from, or says {@code "assumed; to be calibrated"} for free parameters.
 *
 * <p>Implementations are immutable records and thread-safe.
 */
public sealed interface HardwareProfile extends ConfigFile permits GpuProfile, NicProfile, PcieProfile {

    /**
     * @return field name to source, in file order; unmodifiable.
     */
    Map<String, String> sources();
}
