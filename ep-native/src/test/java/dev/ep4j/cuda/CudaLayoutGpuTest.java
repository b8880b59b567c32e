package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.layout.DispatchLayout;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The layout kernel equals {@link DispatchLayout#compute} byte for byte over many random shapes and topologies:
 * GPUs per node 1..8, 3 and 72, up to 4 nodes, E up to 1024, T from 0 to 8192, K from 0 to 9, int32 and int64 ids,
 * −1 entries, duplicates and other out-of-range ids; plus a rank count large enough for the kernel's global-memory
 * histogram path.
 */
@Tag("gpu")
class CudaLayoutGpuTest {
    private static final long SEED = 0x5eed_1a70_7L;

    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
    }

    private record Case(Topology topology, int experts, int tokens, int topK, DType dtype, double negFraction,
                        double wildFraction) {
    }

    private static List<Case> cases() {
        final SplittableRandom rnd = new SplittableRandom(SEED);
        final int[] gpusPerNode = {1, 2, 3, 4, 5, 6, 7, 8, 72};
        final int[] tokenCounts = {0, 1, 3, 128, 1000, 4096, 8192};
        final List<Case> out = new ArrayList<>();
        for (final int g : gpusPerNode) {
            for (int nodes = 1; nodes <= 4; nodes++) {
                final int ranks = g * nodes;
                final int maxLocal = Math.max(1, 1024 / ranks);
                for (int rep = 0; rep < 4; rep++) {
                    final int local = 1 + rnd.nextInt(maxLocal);
                    final int tokens = tokenCounts[rnd.nextInt(tokenCounts.length)];
                    final int topK = rnd.nextInt(10);
                    final DType dtype = rnd.nextBoolean() ? DType.INT64 : DType.INT32;
                    final double neg = rep == 0 ? 0.0 : rnd.nextDouble() * 0.5;
                    final double wild = rep == 3 ? 0.05 : 0.0;
                    out.add(new Case(new Topology(nodes, g), ranks * local, tokens, topK, dtype, neg, wild));
                }
            }
        }
        // DeepEP's shapes: 8 GPUs per node, 256 experts, top-8, 4096 tokens
        for (int nodes = 1; nodes <= 4; nodes *= 2) {
            out.add(new Case(new Topology(nodes, 8), 256, 4096, 8, DType.INT64, 0.0, 0.0));
        }
        return out;
    }

    private static HostTensor randomTopk(final Case c, final SplittableRandom rnd) {
        final HostTensor t = HostTensor.zeros(c.dtype(), c.tokens(), c.topK());
        for (long i = 0; i < (long) c.tokens() * c.topK(); i++) {
            final double u = rnd.nextDouble();
            long v;
            if (u < c.negFraction()) {
                v = -1;
            } else if (u < c.negFraction() + c.wildFraction()) {
                // out-of-range ids the reference ignores too: E, large values, other negatives
                final long[] wild = {c.experts(), c.experts() + 7L, Integer.MAX_VALUE, -2, Integer.MIN_VALUE};
                v = wild[rnd.nextInt(wild.length)];
                if (c.dtype() == DType.INT64 && rnd.nextInt(4) == 0) {
                    v = rnd.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
                }
            } else {
                v = rnd.nextInt(c.experts());
            }
            if (c.dtype() == DType.INT64) {
                t.setLong(i, v);
            } else {
                t.setInt(i, (int) v);
            }
        }
        return t;
    }

    @Test
    void shouldEqualTheHostReferenceBitForBitOverRandomShapes() {
        final SplittableRandom rnd = new SplittableRandom(SEED + 1);
        int checked = 0;
        for (final Case c : cases()) {
            final HostTensor topk = randomTopk(c, rnd);
            final DispatchLayout expected = DispatchLayout.compute(topk, c.experts(), c.topology());
            final DispatchLayout actual = CudaLayout.computeToHost(topk, c.experts(), c.topology());
            assertThat(actual).as("layout of %s", c).isEqualTo(expected);
            checked++;
        }
        assertThat(checked).isGreaterThan(140);
    }

    @Test
    void shouldUseTheGlobalHistogramPathForHugeRankCounts() {
        // E + R + N = 18432 + 18432 + 256 ints > 48 KiB of shared memory
        final Case c = new Case(new Topology(256, 72), 18432, 64, 8, DType.INT64, 0.1, 0.0);
        final HostTensor topk = randomTopk(c, new SplittableRandom(SEED + 2));
        assertThat(CudaLayout.computeToHost(topk, c.experts(), c.topology()))
            .isEqualTo(DispatchLayout.compute(topk, c.experts(), c.topology()));
    }

    @Test
    void shouldComputeFromADeviceTensorAndBeDeterministic() {
        final Case c = new Case(new Topology(2, 8), 256, 8192, 8, DType.INT32, 0.1, 0.0);
        final HostTensor topk = randomTopk(c, new SplittableRandom(SEED + 3));
        final DispatchLayout expected = DispatchLayout.compute(topk, c.experts(), c.topology());
        try (DeviceTensor dev = DeviceTensor.upload(topk)) {
            for (int i = 0; i < 5; i++) {
                assertThat(CudaLayout.computeToHost(dev, c.experts(), c.topology())).isEqualTo(expected);
            }
        }
    }

    @Test
    void shouldReturnDeviceTensorsWithPerNodeCountsOnlyForInternodeGroups() {
        final HostTensor topk = randomTopk(new Case(Topology.singleNode(8), 64, 100, 4, DType.INT64, 0, 0),
            new SplittableRandom(SEED + 4));
        final DispatchLayoutResult single = CudaLayout.compute(topk, 64, Topology.singleNode(8));
        try {
            assertThat(single.numTokensPerNode()).isNull();
            assertThat(single.isTokenInRank()).isInstanceOf(DeviceTensor.class);
            assertThat(single.isTokenInRank().shape()).containsExactly(100, 8);
            assertThat(((DeviceTensor) single.numTokensPerRank()).download()
                .contentEquals(DispatchLayout.compute(topk, 64, Topology.singleNode(8)).numTokensPerRank())).isTrue();
        } finally {
            CudaLayout.close(single);
        }
        final DispatchLayoutResult multi = CudaLayout.compute(topk, 64, new Topology(2, 4));
        try {
            assertThat(multi.numTokensPerNode()).isInstanceOf(DeviceTensor.class);
            assertThat(((DeviceTensor) multi.numTokensPerNode()).download().contentEquals(
                DispatchLayout.compute(topk, 64, new Topology(2, 4)).numTokensPerNode())).isTrue();
        } finally {
            CudaLayout.close(multi);
        }
        assertThat(((DeviceTensor) multi.isTokenInRank()).isClosed()).isTrue();
    }
}
