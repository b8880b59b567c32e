package dev.ep4j.api.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.topology.Topology;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BufferSizingTest {

    @Test
    void shouldReproduceDeepEpNormalHintsFor16Ranks() {
        final KernelConfig config = new KernelConfig(24, 8, 512, 16, 128);
        assertThat(BufferSizing.nvlSizeHint(config, 7168, 16)).isEqualTo(453_380_736L);
        assertThat(BufferSizing.rdmaSizeHint(config, 7168, 16)).isEqualTo(56_774_016L);
    }

    @Test
    void shouldReproduceDeepEpNormalHintsFor8Ranks() {
        final KernelConfig config = new KernelConfig(24, 6, 256, 6, 128);
        assertThat(BufferSizing.nvlSizeHint(config, 14336, 8)).isEqualTo(402_851_712L);
        assertThat(BufferSizing.rdmaSizeHint(config, 14336, 8)).isZero();
    }

    @Test
    void shouldReproduceDeepEpLowLatencyHints() {
        assertThat(BufferSizing.lowLatencySizeHint(128, 7168, 8, 288)).isEqualTo(2_146_961_792L);
        assertThat(BufferSizing.lowLatencySizeHint(128, 7168, 16, 256)).isEqualTo(1_908_410_496L);
        assertThat(BufferSizing.lowLatencySizeHint(256, 7168, 32, 256)).isEqualTo(3_816_818_816L);
        assertThat(BufferSizing.lowLatencySizeHint(128, 4096, 8, 128)).isEqualTo(545_260_672L);
    }

    @Test
    void shouldMatchDeepEpHintForTopologiesOfEightGpusPerNode() {
        final KernelConfig config = new KernelConfig(24, 8, 512, 16, 128);
        for (int nodes = 1; nodes <= 20; nodes++) {
            final Topology t = new Topology(nodes, 8);
            assertThat(BufferSizing.nvlSizeHint(config, 7168, t)).isEqualTo(BufferSizing.nvlSizeHint(config, 7168, 8 * nodes));
            assertThat(BufferSizing.rdmaSizeHint(config, 7168, t)).isEqualTo(BufferSizing.rdmaSizeHint(config, 7168, 8 * nodes));
        }
    }

    @Test
    void shouldKeepHintsAboveTheExactNeedOfEveryIntranodeCall() {
        final SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 500; i++) {
            final int ranks = 1 + rnd.nextInt(8);
            final int nvlRecv = 2 + rnd.nextInt(600);
            final KernelConfig config = new KernelConfig(2 * (1 + rnd.nextInt(32)), 1 + rnd.nextInt(nvlRecv - 1),
                nvlRecv, 6, 128);
            final int hidden = 128 * (1 + rnd.nextInt(64));
            final int topK = rnd.nextInt(33);
            final boolean fp8 = rnd.nextBoolean();
            final long hb = fp8 ? hidden : 2L * hidden;
            final long hint = BufferSizing.nvlSizeHint(config, 2L * hidden, Topology.singleNode(ranks));
            assertThat(BufferSizing.intranodeDispatchNvlNeed(config, ranks, hb, topK, fp8 ? hidden / 128 : 0))
                .isLessThanOrEqualTo(hint);
            assertThat(BufferSizing.intranodeCombineNvlNeed(config, ranks, hidden, topK)).isLessThanOrEqualTo(hint);
        }
    }

    @Test
    void shouldComputeIntranodeDispatchNeedFromTheRingLayout() {
        // Config(24, 6, 256), 8 ranks, H=7168 BF16, K=8, no scales: laid out region by region (semantics.md §4.4).
        final long c = 12;
        final long r = 8;
        final long ring = c * r * 256;
        final long expected = r * r * 4 + 4 * c * r * 4 + ring * 14336 + ring * 4 + ring * 8 * 8 + ring * 8 * 4;
        assertThat(BufferSizing.intranodeDispatchNvlNeed(new KernelConfig(24, 6, 256, 6, 128), 8, 14336, 8, 0))
            .isEqualTo(expected);
    }

    @Test
    void shouldSizeInternodeRecordsAsTheReferenceDoes() {
        assertThat(BufferSizing.internodeDispatchRecordBytes(14336, 0, 8)).isEqualTo(14416);
        assertThat(BufferSizing.internodeCombineRecordBytes(7168, 8)).isEqualTo(14384);
        assertThat(BufferSizing.internodeDispatchRecordBytes(7168, 56, 8)).isEqualTo(7472);
    }

    @Test
    void shouldLayOutLowLatencyRegionsInPhysicalOrder() {
        final LowLatencyLayout l = LowLatencyLayout.of(128, 7168, 288);
        assertThat(l.dispatchMessageBytes()).isEqualTo(14352);
        assertThat(l.combineSlotBytes()).isEqualTo(14560);
        assertThat(l.signalOffset(0)).isZero();
        assertThat(l.signalOffset(1)).isEqualTo(1152);
        assertThat(l.sendOffset(0)).isEqualTo(2304);
        assertThat(l.recvOffset(1) + l.recvBytes()).isEqualTo(l.totalBytes());
    }
}
