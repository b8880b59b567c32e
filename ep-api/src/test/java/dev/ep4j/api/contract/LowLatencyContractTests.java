package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.assertTensorEquals;
import static dev.ep4j.api.contract.ContractSupport.bf16ToFloat;
import static dev.ep4j.api.contract.ContractSupport.calcDiff;
import static dev.ep4j.api.contract.ContractSupport.host;
import static dev.ep4j.api.contract.ContractSupport.ints;
import static dev.ep4j.api.contract.ContractSupport.toDoubles;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.contract.LowLatencyHarness.Cast;
import dev.ep4j.api.contract.LowLatencyHarness.Data;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract of the low-latency kernels (deterministic packed order of docs/semantics.md): packed layout, counts,
 * {@code layout_range}, {@code src_info} and FP8 data/scales bit for bit, the fused-multiply-add combine bit for bit,
 * hooks, zero-copy, ping-pong over consecutive calls, LogFMT within a stated tolerance, and DeepEP's property checks
 * (spec/semantics.md §8.3).
 *
 * <p>Use: extend it and implement {@link #openBackend()}; every test needs capability
 * {@link ContractSupport#LOW_LATENCY} (and {@link ContractSupport#INTERNODE} for groups of several nodes).
 */
@Timeout(120)
public abstract class LowLatencyContractTests extends BackendContract {
    private static final long SEED = 7_2026L;
    private static final int T_MAX = 32;

    /**
     * LogFMT tolerance against the fma reference fed with LogFMT-decoded rows: calcDiff below this. The contract
     * value is exact (docs/semantics.md); the tolerance admits the rare 9-bit code that flips when a value lies
     * within ~1e-15 of a decision threshold and a backend's log2/exp2 differ from fdlibm in the last ulp (one
     * flipped code moves calcDiff by about 4e-10 at these sizes).
     */
    static final double LOGFMT_VS_DECODED = 1e-8;
    /**
     * LogFMT against the plain BF16 combine of the same rows: calcDiff below this (the reference gives at most
     * 4.1e-6 on these inputs: 10-bit log codes over |x| &lt; 1).
     */
    static final double LOGFMT_VS_PLAIN = 2e-5;

    static Stream<Topology> topologies() {
        return Stream.of(Topology.singleNode(2), Topology.singleNode(4), Topology.singleNode(8), new Topology(2, 4));
    }

    static LlInputs inputs(final Topology topo, final Data data, final long seed) {
        final int ranks = topo.ranks();
        final int experts = 3 * ranks;
        final int hidden = ranks <= 4 ? 1024 : 512;
        final int[] tokens = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            tokens[r] = T_MAX - r % 3;
        }
        return LowLatencyHarness.inputs(topo, experts, hidden, T_MAX, tokens, Math.min(8, experts - 1), data, seed);
    }

    private LocalCluster cluster(final LlInputs in) {
        requires(ContractSupport.LOW_LATENCY);
        requiresTopology(in.topology());
        final LocalCluster c = open(in.topology(), LowLatencyHarness.spec(in));
        c.run(b -> {
            b.cleanLowLatencyBuffer(in.maxTokens(), in.hidden(), in.experts());
            return null;
        });
        return c;
    }

    // ------------------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldPackRowsPerExpertBySourceBlockThenToken(final Topology topology) {
        final LlInputs in = inputs(topology, Data.RANDOM, SEED);
        try (LocalCluster c = cluster(in)) {
            LowLatencyHarness.verifyDispatch(topology + " BF16", in, Cast.BF16,
                LowLatencyHarness.dispatch(c, in, Cast.BF16, false, null));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldCastToFp8ExactlyLikeTheQuantizer(final Topology topology) {
        final LlInputs in = inputs(topology, Data.RANDOM, SEED + 1);
        try (LocalCluster c = cluster(in)) {
            for (final Cast cast : new Cast[] {Cast.FP8, Cast.FP8_ROUND, Cast.FP8_UE8M0}) {
                LowLatencyHarness.verifyDispatch(topology + " " + cast, in, cast,
                    LowLatencyHarness.dispatch(c, in, cast, false, null));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldRunReceivePhasesInHooks(final Topology topology) {
        final LlInputs in = inputs(topology, Data.RANDOM, SEED + 2);
        try (LocalCluster c = cluster(in)) {
            for (final Cast cast : new Cast[] {Cast.BF16, Cast.FP8}) {
                final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, cast, true, null);
                LowLatencyHarness.verifyDispatch(topology + " " + cast + " hook", in, cast, d);
                final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED, 1.0);
                LowLatencyHarness.verifyCombine(topology + " " + cast + " combine hook", in, out,
                    LowLatencyHarness.combine(c, in, d, out, false, false, true));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldCombineWithFusedMultiplyAddInTopkOrder(final Topology topology) {
        final LlInputs in = inputs(topology, Data.RANDOM, SEED + 3);
        try (LocalCluster c = cluster(in)) {
            final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, Cast.BF16, false, null);
            final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED + 3, 1.0);
            LowLatencyHarness.verifyCombine(topology + " combine", in, out,
                LowLatencyHarness.combine(c, in, d, out, false, false, false));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldGiveBackEachTokenTimesItsWeightSum(final Topology topology) {
        // DeepEP §8.3: combine(dequantized recv_x) vs x * sum of unmasked weights; calcDiff < 9e-4 (FP8 dispatch)
        // or < 1e-5 (BF16); not checked with round_scale; no NaN.
        final LlInputs in = inputs(topology, Data.DEEPEP, SEED + 4);
        try (LocalCluster c = cluster(in)) {
            for (final Cast cast : new Cast[] {Cast.BF16, Cast.FP8, Cast.FP8_ROUND, Cast.FP8_UE8M0}) {
                final String what = topology + " " + cast;
                final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, cast, false, null);
                LowLatencyHarness.verifyDispatch(what, in, cast, d);
                final List<HostTensor> out = LowLatencyHarness.receivedAsBf16(d, cast);
                final List<LowLatencyCombineResult> comb = LowLatencyHarness.combine(c, in, d, out, false, false,
                    false);
                LowLatencyHarness.verifyCombine(what + " combine", in, out, comb);
                for (int r = 0; r < topology.ranks(); r++) {
                    final HostTensor got = host(comb.get(r).combinedX(), "combinedX");
                    final double[] g = toDoubles(got);
                    for (int i = 0; i < g.length; i++) {
                        if (Double.isNaN(g[i])) {
                            assertThat(g[i]).as(what + " rank " + r + " combined element " + i).isNotNaN();
                        }
                    }
                    if (!cast.roundScale()) {
                        final double diff = calcDiff(g, xTimesWeightSum(in, r));
                        assertThat(diff).as(what + " rank " + r + " calcDiff(combined, x * sum(w))")
                            .isLessThan(cast.fp8() ? 9e-4 : 1e-5);
                    }
                }
            }
        }
    }

    static double[] xTimesWeightSum(final LlInputs in, final int r) {
        final HostTensor x = in.x().get(r);
        final HostTensor idx = in.topkIdx().get(r);
        final HostTensor w = in.topkWeights().get(r);
        final int h = in.hidden();
        final int k = (int) idx.dim(1);
        final double[] ref = new double[(int) x.numel()];
        for (int t = 0; t < in.tokens(r); t++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                if (idx.getLong((long) t * k + j) >= 0) {
                    sum += w.getFloat((long) t * k + j);
                }
            }
            for (int i = 0; i < h; i++) {
                ref[t * h + i] = bf16ToFloat(x.getShort((long) t * h + i)) * sum;
            }
        }
        return ref;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldDecodeLogFmtCombineWithinTolerance(final Topology topology) {
        final LlInputs in = inputs(topology, Data.SMALL_RANDOM, SEED + 5);
        try (LocalCluster c = cluster(in)) {
            final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, Cast.BF16, false, null);
            final List<HostTensor> out = LowLatencyHarness.receivedAsBf16(d, Cast.BF16);
            final List<LowLatencyCombineResult> comb = LowLatencyHarness.combine(c, in, d, out, true, false, false);
            for (int r = 0; r < topology.ranks(); r++) {
                final String at = topology + " LogFMT rank " + r + ": ";
                final double[] got = toDoubles(host(comb.get(r).combinedX(), "combinedX"));
                final double[] decoded = toDoubles(ContractReference.llCombine(in, r, out, true));
                final double[] plain = toDoubles(ContractReference.llCombine(in, r, out, false));
                assertThat(calcDiff(got, decoded)).as(at + "calcDiff vs fma of LogFMT-decoded rows")
                    .isLessThan(LOGFMT_VS_DECODED);
                assertThat(calcDiff(got, plain)).as(at + "calcDiff vs plain BF16 combine")
                    .isLessThan(LOGFMT_VS_PLAIN);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldCombineFromTheZeroCopyBuffer(final Topology topology) {
        final LlInputs in = inputs(topology, Data.RANDOM, SEED + 6);
        try (LocalCluster c = cluster(in)) {
            final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, Cast.FP8, false, null);
            final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED + 6, 1.0);
            LowLatencyHarness.verifyCombine(topology + " zero-copy", in, out,
                LowLatencyHarness.combine(c, in, d, out, false, true, false));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldAlternatePingPongBuffersAcrossConsecutiveCalls(final Topology topology) {
        final Cast[] casts = {Cast.BF16, Cast.FP8_UE8M0, Cast.FP8};
        final LlInputs first = inputs(topology, Data.RANDOM, SEED + 10);
        try (LocalCluster c = cluster(first)) {
            for (int i = 0; i < 3; i++) {
                final LlInputs in = inputs(topology, Data.RANDOM, SEED + 10 + i);
                final String what = topology + " call " + i + " " + casts[i];
                final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, casts[i], i == 1, null);
                LowLatencyHarness.verifyDispatch(what, in, casts[i], d);
                final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED + 20 + i, 1.0);
                LowLatencyHarness.verifyCombine(what + " combine", in, out,
                    LowLatencyHarness.combine(c, in, d, out, false, i == 2, i == 0));
            }
        }
    }

    @Test
    void shouldAccumulateCumulativeLocalExpertRecvStats() {
        final Topology topology = Topology.singleNode(4);
        final LlInputs in = inputs(topology, Data.RANDOM, SEED + 7);
        try (LocalCluster c = cluster(in)) {
            final List<HostTensor> stats = new ArrayList<>();
            for (int r = 0; r < topology.ranks(); r++) {
                final HostTensor s = HostTensor.zeros(DType.INT32, in.local());
                for (int e = 0; e < in.local(); e++) {
                    s.setInt(e, 1000 * r + e);
                }
                stats.add(s);
            }
            LowLatencyHarness.dispatch(c, in, Cast.FP8, false, stats);
            LowLatencyHarness.dispatch(c, in, Cast.BF16, true, stats);
            for (int r = 0; r < topology.ranks(); r++) {
                final int[] counts = ints(ContractReference.llDispatch(in, r, false, false, false).recvCount);
                final int[] expected = new int[in.local()];
                for (int e = 0; e < in.local(); e++) {
                    expected[e] = 1000 * r + e + 2 * counts[e];
                }
                assertThat(ints(stats.get(r))).as("rank " + r + " cumulative stats after two dispatches")
                    .containsExactly(expected);
            }
        }
    }

    @Test
    void shouldHandleRanksWithFullEmptyAndPartialBatches() {
        final Topology topology = Topology.singleNode(4);
        final int[] tokens = {T_MAX, 0, 5, T_MAX - 1};
        final LlInputs in = LowLatencyHarness.inputs(topology, 8, 512, T_MAX, tokens, 3, Data.RANDOM, SEED + 8);
        try (LocalCluster c = cluster(in)) {
            for (final Cast cast : new Cast[] {Cast.BF16, Cast.FP8}) {
                final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, cast, false, null);
                LowLatencyHarness.verifyDispatch(topology + " T=" + java.util.Arrays.toString(tokens) + " " + cast, in,
                    cast, d);
                final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED + 8, 1.0);
                final List<LowLatencyCombineResult> comb = LowLatencyHarness.combine(c, in, d, out, false, false,
                    false);
                LowLatencyHarness.verifyCombine(topology + " " + cast + " combine", in, out, comb);
                assertTensorEquals("rank 1 (no tokens) combinedX", HostTensor.zeros(DType.BF16, 0, 512),
                    comb.get(1).combinedX());
            }
        }
    }
}
