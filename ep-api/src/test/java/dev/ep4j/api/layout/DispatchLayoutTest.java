package dev.ep4j.api.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DispatchLayoutTest {
    private static final int[] GPUS_PER_NODE = {1, 2, 3, 4, 8, 16, 72};

    @Test
    void shouldComputeHandWorkedExample() {
        // 2 nodes x 2 GPUs, E = 8 (2 experts per rank): expert e lives on rank e / 2, rank r on node r / 2.
        final HostTensor idx = tensor(DType.INT64, new long[][] {{0, 5}, {1, 1}, {-1, 7}, {2, 3}});
        final DispatchLayout layout = DispatchLayout.compute(idx, 8, new Topology(2, 2));

        assertThat(DispatchLayout.toIntArray(layout.numTokensPerExpert())).containsExactly(1, 2, 1, 1, 0, 1, 0, 1);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerRank())).containsExactly(2, 1, 1, 1);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerNode())).containsExactly(3, 2);
        assertThat(layout.tokensForRank(0)).containsExactly(0, 1);
        assertThat(layout.tokensForRank(1)).containsExactly(3);
        assertThat(layout.tokensForRank(2)).containsExactly(0);
        assertThat(layout.tokensForRank(3)).containsExactly(2);
        assertThat(layout.numTokensPerLocalExpert(0)).containsExactly(1, 2);
        assertThat(layout.numTokensPerLocalExpert(3)).containsExactly(0, 1);
        assertThat(layout.expertsPerRank()).isEqualTo(2);
        assertThat(layout.numTokens()).isEqualTo(4);
        assertThat(layout.isTokenInRank().dtype()).isEqualTo(DType.BOOL);
        assertThat(layout.isTokenInRank().shape()).containsExactly(4, 4);
    }

    @Test
    void shouldCountDuplicateExpertTwicePerExpertButOncePerRankAndNode() {
        final HostTensor idx = tensor(DType.INT64, new long[][] {{3, 3, 2, 3}});
        final DispatchLayout layout = DispatchLayout.compute(idx, 4, new Topology(1, 2));

        assertThat(DispatchLayout.toIntArray(layout.numTokensPerExpert())).containsExactly(0, 0, 1, 3);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerRank())).containsExactly(0, 1);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerNode())).containsExactly(1);
    }

    @Test
    void shouldIgnoreMinusOneAndOutOfRangeIdsLikeTheKernel() {
        final HostTensor idx = tensor(DType.INT32, new long[][] {{-1, 4, -7}, {100, -1, 1}});
        final DispatchLayout layout = DispatchLayout.compute(idx, 4, new Topology(2, 1));

        assertThat(DispatchLayout.toIntArray(layout.numTokensPerExpert())).containsExactly(0, 1, 0, 0);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerRank())).containsExactly(1, 0);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerNode())).containsExactly(1, 0);
        assertThat(layout.tokensForRank(0)).containsExactly(1);
    }

    @Test
    void shouldHandleZeroTokens() {
        final DispatchLayout layout = DispatchLayout.compute(HostTensor.zeros(DType.INT64, 0, 8), 16,
            new Topology(2, 4));

        assertThat(layout.numTokens()).isZero();
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerRank())).containsOnly(0).hasSize(8);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerNode())).containsExactly(0, 0);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerExpert())).containsOnly(0).hasSize(16);
        assertThat(layout.isTokenInRank().shape()).containsExactly(0, 8);
        assertThat(layout.tokensForRank(7)).isEmpty();
    }

    @Test
    void shouldMatchIndependentLoopsOnRandomRoutingsOverRandomTopologies() {
        final Random random = new Random(20241123L);
        int checked = 0;
        for (int iteration = 0; iteration < 400; iteration++) {
            final Topology topology = new Topology(1 + random.nextInt(4),
                GPUS_PER_NODE[random.nextInt(GPUS_PER_NODE.length)]);
            final int ranks = topology.ranks();
            final int experts = ranks * (1 + random.nextInt(3));
            final int tokens = random.nextInt(10) == 0 ? 0 : random.nextInt(40);
            final int topK = 1 + random.nextInt(9);
            final long[][] rows = randomRows(random, tokens, topK, experts);
            final DType dtype = random.nextBoolean() ? DType.INT64 : DType.INT32;

            final DispatchLayout layout = DispatchLayout.compute(tensor(dtype, rows, topK), experts, topology);

            assertMatchesReference(layout, rows, experts, topology);
            checked++;
        }
        assertThat(checked).isEqualTo(400);
    }

    @Test
    void shouldGiveSameLayoutForInt32AndInt64() {
        final Random random = new Random(7);
        final long[][] rows = randomRows(random, 30, 6, 48);
        final Topology topology = new Topology(3, 2);

        final DispatchLayout a = DispatchLayout.compute(tensor(DType.INT64, rows, 6), 48, topology);
        final DispatchLayout b = DispatchLayout.compute(tensor(DType.INT32, rows, 6), 48, topology);

        assertThat(a).isEqualTo(b);
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
    }

    @Test
    void shouldRejectExpertsNotDivisibleByRanks() {
        final HostTensor idx = HostTensor.zeros(DType.INT64, 2, 2);

        assertThatThrownBy(() -> DispatchLayout.compute(idx, 10, new Topology(1, 4)))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("numExperts=10")
            .hasMessageContaining("rank count 4");
        assertThatThrownBy(() -> DispatchLayout.compute(idx, 0, new Topology(1, 1)))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("numExperts=0");
    }

    @Test
    void shouldRejectWrongDtypeOrShape() {
        assertThatThrownBy(() -> DispatchLayout.compute(HostTensor.zeros(DType.FLOAT32, 2, 2), 4, new Topology(1, 2)))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("FLOAT32");
        assertThatThrownBy(() -> DispatchLayout.compute(HostTensor.zeros(DType.INT64, 4), 4, new Topology(1, 2)))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("[T, K]");
    }

    @Test
    void shouldRejectRankOutsideTopologyInHelpers() {
        final DispatchLayout layout = DispatchLayout.compute(HostTensor.zeros(DType.INT64, 1, 1), 2,
            new Topology(1, 2));

        assertThatThrownBy(() -> layout.tokensForRank(2)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("rank=2");
        assertThatThrownBy(() -> layout.numTokensPerLocalExpert(-1)).isInstanceOf(InvalidInputException.class);
    }

    /**
     * Reference written differently from the implementation: expert-major and rank-major scans over the raw rows,
     * without stamps.
     */
    private static void assertMatchesReference(final DispatchLayout layout, final long[][] rows, final int experts,
            final Topology topology) {
        final int ranks = topology.ranks();
        final int perRankExperts = experts / ranks;
        final int tokens = rows.length;

        final int[] expectedPerExpert = new int[experts];
        for (int e = 0; e < experts; e++) {
            for (final long[] row : rows) {
                for (final long id : row) {
                    if (id == e) {
                        expectedPerExpert[e]++;
                    }
                }
            }
        }
        final boolean[][] expectedIn = new boolean[tokens][ranks];
        final int[] expectedPerRank = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            final long lo = (long) r * perRankExperts;
            final long hi = lo + perRankExperts;
            final List<Integer> tokensOfRank = new ArrayList<>();
            for (int t = 0; t < tokens; t++) {
                boolean hit = false;
                for (final long id : rows[t]) {
                    hit |= id >= lo && id < hi;
                }
                expectedIn[t][r] = hit;
                if (hit) {
                    expectedPerRank[r]++;
                    tokensOfRank.add(t);
                }
            }
            assertThat(layout.tokensForRank(r))
                .containsExactly(tokensOfRank.stream().mapToInt(Integer::intValue).toArray());
        }
        final int[] expectedPerNode = new int[topology.nodes()];
        for (int node = 0; node < topology.nodes(); node++) {
            for (int t = 0; t < tokens; t++) {
                boolean hit = false;
                for (int local = 0; local < topology.gpusPerNode(); local++) {
                    hit |= expectedIn[t][topology.rankOf(node, local)];
                }
                expectedPerNode[node] += hit ? 1 : 0;
            }
        }

        final String context = topology + " E=" + experts + " T=" + tokens;
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerExpert())).as(context)
            .containsExactly(expectedPerExpert);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerRank())).as(context).containsExactly(expectedPerRank);
        assertThat(DispatchLayout.toIntArray(layout.numTokensPerNode())).as(context).containsExactly(expectedPerNode);
        final boolean[][] actualIn = new boolean[tokens][ranks];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < ranks; r++) {
                actualIn[t][r] = layout.isTokenInRank().getBool((long) t * ranks + r);
            }
        }
        assertThat(actualIn).as(context).isDeepEqualTo(expectedIn);
        for (int r = 0; r < ranks; r++) {
            final int[] local = layout.numTokensPerLocalExpert(r);
            for (int i = 0; i < perRankExperts; i++) {
                assertThat(local[i]).isEqualTo(expectedPerExpert[r * perRankExperts + i]);
            }
        }
    }

    /** Random ids: mostly valid, some −1, some duplicates of the previous column, a few out of range. */
    private static long[][] randomRows(final Random random, final int tokens, final int topK, final int experts) {
        final long[][] rows = new long[tokens][topK];
        for (int t = 0; t < tokens; t++) {
            for (int k = 0; k < topK; k++) {
                final int dice = random.nextInt(100);
                if (dice < 10) {
                    rows[t][k] = -1;
                } else if (dice < 18 && k > 0) {
                    rows[t][k] = rows[t][k - 1];
                } else if (dice < 21) {
                    rows[t][k] = random.nextBoolean() ? experts + random.nextInt(3) : -2 - random.nextInt(100);
                } else {
                    rows[t][k] = random.nextInt(experts);
                }
            }
        }
        return rows;
    }

    private static HostTensor tensor(final DType dtype, final long[][] rows) {
        return tensor(dtype, rows, rows.length == 0 ? 0 : rows[0].length);
    }

    private static HostTensor tensor(final DType dtype, final long[][] rows, final int topK) {
        final HostTensor out = HostTensor.zeros(dtype, rows.length, topK);
        for (int t = 0; t < rows.length; t++) {
            for (int k = 0; k < topK; k++) {
                if (dtype == DType.INT64) {
                    out.setLong((long) t * topK + k, rows[t][k]);
                } else {
                    out.setInt((long) t * topK + k, (int) rows[t][k]);
                }
            }
        }
        return out;
    }
}
