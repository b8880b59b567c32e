package dev.ep4j.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every number in a hardware file says where it comes from, free parameters say they are to be calibrated, and source
 * entries only name fields that exist. The field lists are computed here independently of the loader's own check.
 */
class ConfigSourcesTest {

    static Stream<Path> hardwareFiles() {
        return ConfigFixtures.configFiles().stream()
            .filter(p -> ConfigFixtures.root().relativize(p).startsWith("hardware"));
    }

    static Stream<Path> topologyFiles() {
        return ConfigFixtures.configFiles().stream()
            .filter(p -> ConfigFixtures.root().relativize(p).startsWith("topologies"));
    }

    /** Dotted names of the numeric components of {@code type}, nested records included. */
    private static List<String> numericFields(final Class<?> type, final String prefix) {
        final List<String> names = new ArrayList<>();
        for (final RecordComponent c : type.getRecordComponents()) {
            final Class<?> t = c.getType();
            if (t.isRecord()) {
                names.addAll(numericFields(t, prefix + c.getName() + "."));
            } else if (t == int.class || t == long.class || t == double.class || t == Integer.class
                || t == Long.class || t == Double.class) {
                names.add(prefix + c.getName());
            }
        }
        return names;
    }

    @Test
    void shouldFindTheHardwareFilesAndTheirNumbers() {
        assertThat(hardwareFiles()).hasSizeGreaterThanOrEqualTo(10);
        assertThat(numericFields(GpuProfile.class, ""))
            .contains("smCount", "nvlinkBandwidthGBps", "nvSwitch.chipsPerDomain", "nvSwitch.aggregateBandwidthGBps")
            .doesNotContain("nvSwitch.nonBlocking", "pcieProfileId");
    }

    @ParameterizedTest
    @MethodSource("hardwareFiles")
    void shouldGiveEveryNumericHardwareValueASource(final Path file) {
        final HardwareProfile profile = (HardwareProfile) Configs.load(file);
        final Map<String, String> sources = profile.sources();

        for (final String field : numericFields(profile.getClass(), "")) {
            assertThat(sources.get(field)).as("source of %s in %s", field, file).isNotBlank();
        }
    }

    @ParameterizedTest
    @MethodSource("hardwareFiles")
    void shouldMarkFreeParametersAsToBeCalibrated(final Path file) {
        final HardwareProfile profile = (HardwareProfile) Configs.load(file);
        final List<String> free = profile instanceof GpuProfile ? GpuProfile.FREE_PARAMETERS
            : profile instanceof NicProfile ? NicProfile.FREE_PARAMETERS : List.of();

        for (final String field : free) {
            assertThat(profile.sources().get(field)).as("source of free parameter %s in %s", field, file)
                .containsIgnoringCase("calibrat");
        }
    }

    @ParameterizedTest
    @MethodSource("hardwareFiles")
    void shouldNameOnlyExistingFieldsInSources(final Path file) {
        final HardwareProfile profile = (HardwareProfile) Configs.load(file);

        assertThat(ConfigWalker.allFields(profile.getClass(), "")).containsAll(profile.sources().keySet());
    }

    @ParameterizedTest
    @MethodSource("topologyFiles")
    void shouldGiveTopologyQuantitiesASource(final Path file) {
        final TopologyConfig topology = Configs.load(file, TopologyConfig.class);

        for (final String field : TopologyConfig.SOURCED_FIELDS) {
            assertThat(topology.sources().get(field)).as("source of %s in %s", field, file).isNotBlank();
        }
    }
}
