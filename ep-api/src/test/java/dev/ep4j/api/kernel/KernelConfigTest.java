package dev.ep4j.api.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.ConfigException;
import org.junit.jupiter.api.Test;

class KernelConfigTest {

    @Test
    void shouldRoundRdmaRecvTokensUpToAMultipleOfTheChunk() {
        assertThat(DefaultConfigs.dispatch(16, 20).rdmaRecvTokens()).isEqualTo(140);
        assertThat(new KernelConfig(24, 8, 512, 16, 128).rdmaRecvTokens()).isEqualTo(128);
    }

    @Test
    void shouldRejectEachBrokenRuleNamingTheField() {
        assertThatThrownBy(() -> new KernelConfig(23, 6, 256, 6, 128)).isInstanceOf(ConfigException.class)
            .hasMessageContaining("numSms=23");
        assertThatThrownBy(() -> new KernelConfig(0, 6, 256, 6, 128)).hasMessageContaining("numSms=0");
        assertThatThrownBy(() -> new KernelConfig(24, 0, 256, 6, 128)).hasMessageContaining("nvlChunkTokens=0");
        assertThatThrownBy(() -> new KernelConfig(24, 6, 0, 6, 128)).hasMessageContaining("nvlRecvTokens=0");
        assertThatThrownBy(() -> new KernelConfig(24, 256, 256, 6, 128)).hasMessageContaining("nvlChunkTokens=256");
        assertThatThrownBy(() -> new KernelConfig(24, 6, 256, 0, 128)).hasMessageContaining("rdmaChunkTokens=0");
        assertThatThrownBy(() -> new KernelConfig(24, 6, 256, 6, -1)).hasMessageContaining("rdmaRecvTokens=-1");
        assertThatThrownBy(() -> new KernelConfig(24, 6, 256, 100, 100)).hasMessageContaining("rdmaChunkTokens=100");
    }

    @Test
    void shouldCheckTheInternodeCombineRules() {
        new KernelConfig(24, 4, 288, 12, 128).validateForInternodeCombine(2);
        assertThatThrownBy(() -> new KernelConfig(24, 4, 287, 12, 128).validateForInternodeCombine(2))
            .isInstanceOf(ConfigException.class).hasMessageContaining("divisible");
        assertThatThrownBy(() -> new KernelConfig(24, 4, 288, 6, 128).validateForInternodeCombine(2))
            .hasMessageContaining("rdmaChunkTokens >= W");
    }

    @Test
    void shouldServeDeepEpDefaultTables() {
        assertThat(DefaultConfigs.dispatch(8, 24)).isEqualTo(new KernelConfig(24, 6, 256, 6, 128));
        assertThat(DefaultConfigs.combine(8, 24)).isEqualTo(new KernelConfig(24, 4, 256, 6, 128));
        assertThat(DefaultConfigs.dispatch(2, 20)).isEqualTo(new KernelConfig(20, 24, 256, 6, 128));
        assertThat(DefaultConfigs.combine(4, 20)).isEqualTo(new KernelConfig(20, 9, 256, 6, 128));
        assertThat(DefaultConfigs.dispatch(128, 20)).isEqualTo(new KernelConfig(20, 20, 560, 12, 132));
        assertThat(DefaultConfigs.combine(160, 20)).isEqualTo(new KernelConfig(20, 2, 720, 8, 128));
        assertThat(DefaultConfigs.supportedRanks()).containsExactly(2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 144, 160);
        // every default combine config satisfies the internode combine rules at its node count
        for (final int r : DefaultConfigs.supportedRanks()) {
            if (r > 8) {
                DefaultConfigs.combine(r, 24).validateForInternodeCombine(r / 8);
            }
        }
    }

    @Test
    void shouldRejectRankCountsWithoutADefault() {
        assertThatThrownBy(() -> DefaultConfigs.dispatch(6, 20)).isInstanceOf(ConfigException.class)
            .hasMessageContaining("ranks=6").hasMessageContaining("explicit KernelConfig");
    }

    @Test
    void shouldGiveADefaultForEveryTopology() {
        assertThat(DefaultConfigs.forTopology(dev.ep4j.api.topology.Topology.singleNode(8), 24, false))
            .isEqualTo(DefaultConfigs.dispatch(8, 24));
        assertThat(DefaultConfigs.forTopology(dev.ep4j.api.topology.Topology.singleNode(3), 24, true))
            .isEqualTo(DefaultConfigs.combine(4, 24));
        assertThat(DefaultConfigs.forTopology(dev.ep4j.api.topology.Topology.singleNode(72), 24, true))
            .isEqualTo(DefaultConfigs.combine(8, 24));
        assertThat(DefaultConfigs.forTopology(new dev.ep4j.api.topology.Topology(2, 4), 24, false))
            .isEqualTo(DefaultConfigs.dispatch(16, 24));
        assertThat(DefaultConfigs.forTopology(new dev.ep4j.api.topology.Topology(5, 8), 24, false))
            .isEqualTo(DefaultConfigs.dispatch(48, 24));
        assertThat(DefaultConfigs.forTopology(new dev.ep4j.api.topology.Topology(64, 8), 24, false))
            .isEqualTo(DefaultConfigs.dispatch(160, 24));
        for (int nodes = 2; nodes <= 40; nodes++) {
            for (final int g : new int[] {1, 2, 3, 4, 8, 16, 72}) {
                DefaultConfigs.forTopology(new dev.ep4j.api.topology.Topology(nodes, g), 24, true)
                    .validateForInternodeCombine(nodes);
            }
        }
    }
}
