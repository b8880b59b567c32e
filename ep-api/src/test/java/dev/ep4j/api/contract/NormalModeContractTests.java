package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.assertTensorEquals;
import static dev.ep4j.api.contract.ContractSupport.bf16ToFloat;
import static dev.ep4j.api.contract.ContractSupport.calcDiff;
import static dev.ep4j.api.contract.ContractSupport.host;
import static dev.ep4j.api.contract.ContractSupport.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.Layout;
import dev.ep4j.api.contract.ContractReference.Routes;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.contract.NormalHarness.Options;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract of the normal (high-throughput) kernels: {@code dispatchLayout}, {@code dispatch} (fresh, cached,
 * worst-case allocation) and {@code combine}, checked bit for bit against {@link ContractReference} and with
 * DeepEP's property checks (spec/semantics.md §8.1, §8.2).
 *
 * <p>Use: extend it in the backend's test sources and open the backend.
 * <pre>{@code
 * class SimContractNormalModeTest extends NormalModeContractTests {
 *     protected Backend openBackend() { return Backends.open("sim"); }
 * }
 * }</pre>
 * Topologies with more than one node need capability {@link ContractSupport#INTERNODE}; override
 * {@link #supports(String)} to return false for it while the backend has only intranode kernels.
 */
@Timeout(120)
public abstract class NormalModeContractTests extends BackendContract {
    private static final long SEED = 20_261_123L;

    /** Sizes of one scenario. */
    record Shape(Topology topology, int tokens, int hidden, int topK, int experts) {
        @Override
        public String toString() {
            return topology + " T=" + tokens + " H=" + hidden + " K=" + topK + " E=" + experts;
        }
    }

    static Stream<Topology> topologies() {
        return Stream.of(Topology.singleNode(2), Topology.singleNode(4), Topology.singleNode(8), new Topology(2, 4),
            new Topology(2, 8), new Topology(4, 8), new Topology(3, 3));
    }

    static Stream<Topology> intranodeTopologies() {
        return topologies().filter(t -> !t.isInternode());
    }

    static Stream<Topology> internodeTopologies() {
        return topologies().filter(Topology::isInternode);
    }

    static Shape shape(final Topology t) {
        final int r = t.ranks();
        final int tokens = r <= 8 ? 128 : r <= 16 ? 64 : 32;
        final int experts = r * Math.max(2, 32 / r);
        return new Shape(t, tokens, 256, Math.min(8, experts / 2), experts);
    }

    static KernelConfig config(final Topology t) {
        return ContractSupport.config(t.nodes(), 8, 4, 0);
    }

    static NormalInputs inputs(final Shape s, final XKind kind, final RoutingKind routing, final WeightMode w,
        final double nowhere, final long seed) {
        return ContractSupport.normalInputs(s.topology(), ContractSupport.sameTokens(s.topology().ranks(),
            s.tokens()), s.hidden(), s.topK(), s.experts(), kind, routing, w, nowhere, seed);
    }

    private LocalCluster cluster(final Shape s, final KernelConfig... configs) {
        requiresTopology(s.topology());
        return open(s.topology(), ContractSupport.normalSpec(s.topology(), s.hidden(), s.topK(), configs));
    }

    // ------------------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldComputeDispatchLayoutLikeTheReferenceLoop(final Topology topology) {
        final Shape s = shape(topology);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.1, SEED);
        try (LocalCluster c = cluster(s, config(topology))) {
            final List<DispatchLayoutResult> res = c.run(b -> b.dispatchLayout(in.topkIdx().get(b.rank()),
                s.experts()));
            for (int r = 0; r < topology.ranks(); r++) {
                final String at = topology + " rank " + r + ": ";
                final Layout exp = ContractReference.layout(in.topkIdx().get(r), s.experts(), topology);
                final DispatchLayoutResult got = res.get(r);
                assertThat(ints(got.numTokensPerRank())).as(at + "numTokensPerRank").containsExactly(exp.perRank());
                assertThat(ints(got.numTokensPerExpert())).as(at + "numTokensPerExpert")
                    .containsExactly(exp.perExpert());
                assertTensorEquals(at + "isTokenInRank", ContractSupport.bool(exp.inRank(), topology.ranks()),
                    got.isTokenInRank());
                if (topology.isInternode()) {
                    assertThat(ints(got.numTokensPerNode())).as(at + "numTokensPerNode")
                        .containsExactly(exp.perNode());
                } else {
                    assertThat(got.numTokensPerNode()).as(at + "numTokensPerNode of a single node").isNull();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldDispatchEveryInputKindExactly(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        try (LocalCluster c = cluster(s, cfg)) {
            for (final XKind kind : XKind.values()) {
                final WeightMode w = kind == XKind.ONES_RANK ? WeightMode.RANK : WeightMode.NORMAL;
                final NormalInputs in = inputs(s, kind, RoutingKind.UNIFORM, w, 0, SEED + kind.ordinal());
                for (final boolean topk : new boolean[] {true, false}) {
                    final Options opt = Options.of(cfg).withTopk(topk);
                    NormalHarness.verifyDispatch(s + " " + kind + (topk ? " with" : " without") + " top-k", in, opt,
                        NormalHarness.dispatch(c, in, opt));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldReceiveRowsInSourceChannelTokenOrder(final Topology topology) {
        // DeepEP's checks (§8.1): received count = all-reduced per-rank count, per-expert list = all-reduced
        // per-expert counts, and with x = ones x rank every source block holds the source rank.
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final NormalInputs in = inputs(s, XKind.ONES_RANK, RoutingKind.UNIFORM, WeightMode.RANK, 0, SEED);
        try (LocalCluster c = cluster(s, cfg)) {
            final List<DispatchResult> res = NormalHarness.dispatch(c, in, Options.of(cfg));
            final int ranks = topology.ranks();
            final int local = s.experts() / ranks;
            final int[] gblPerRank = new int[ranks];
            final int[] gblPerExpert = new int[s.experts()];
            for (int r = 0; r < ranks; r++) {
                final Layout l = ContractReference.layout(in.topkIdx().get(r), s.experts(), topology);
                for (int d = 0; d < ranks; d++) {
                    gblPerRank[d] += l.perRank()[d];
                }
                for (int e = 0; e < s.experts(); e++) {
                    gblPerExpert[e] += l.perExpert()[e];
                }
            }
            final Routes routes = new Routes(in, cfg.channels());
            for (int me = 0; me < ranks; me++) {
                final String at = topology + " rank " + me + ": ";
                final HostTensor x = host(res.get(me).recvX(), at + "recvX");
                assertThat(x.dim(0)).as(at + "received rows").isEqualTo(gblPerRank[me]);
                final int[] mine = new int[local];
                System.arraycopy(gblPerExpert, me * local, mine, 0, local);
                assertThat(res.get(me).numRecvTokensPerExpert()).as(at + "per-expert counts").containsExactly(mine);
                int begin = 0;
                for (int src = 0; src < ranks; src++) {
                    final int end = topology.isInternode() ? routes.prefix(src, me)
                        : ints(((IntranodeHandle) res.get(me).handle()).rankPrefixMatrix())[src * ranks + me];
                    for (long i = (long) begin * s.hidden(); i < (long) end * s.hidden(); i++) {
                        if (bf16ToFloat(x.getShort(i)) != src) {
                            assertThat(bf16ToFloat(x.getShort(i))).as(at + "row " + i / s.hidden()
                                + " of the block of source " + src).isEqualTo((float) src);
                        }
                    }
                    begin = end;
                }
                assertThat(begin).as(at + "end of the last source block").isEqualTo((int) x.dim(0));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldRoundPerExpertCountsUpToExpertAlignment(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, SEED);
        try (LocalCluster c = cluster(s, cfg)) {
            for (final int alignment : new int[] {2, 7, 128}) {
                final Options opt = Options.of(cfg).withAlignment(alignment);
                NormalHarness.verifyDispatch(s + " alignment " + alignment, in, opt,
                    NormalHarness.dispatch(c, in, opt));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("intranodeTopologies")
    void shouldPadWorstCaseAllocationAfterTheReceivedRows(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final int worst = s.tokens() * topology.ranks();
        try (LocalCluster c = cluster(s, cfg)) {
            for (final XKind kind : new XKind[] {XKind.RANDOM_BF16, XKind.FP8_FLOAT_SCALES}) {
                final NormalInputs in = inputs(s, kind, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, SEED);
                final Options exact = Options.of(cfg);
                final List<DispatchResult> fresh = NormalHarness.dispatch(c, in, exact);
                final Options padded = exact.withWorstRows(worst);
                final List<DispatchResult> res = NormalHarness.dispatch(c, in, padded);
                final String what = s + " " + kind + " numWorstTokens=" + worst;
                NormalHarness.verifyDispatch(what, in, padded, res);
                for (int r = 0; r < topology.ranks(); r++) {
                    final HostTensor a = host(fresh.get(r).recvX(), "recvX");
                    final HostTensor b = host(res.get(r).recvX(), "recvX");
                    ContractSupport.assertLeadingElementsEqual(what + " rank " + r + " leading rows vs exact run", a,
                        b);
                    assertThat(b.dim(0)).as(what + " rank " + r + " rows").isEqualTo(worst);
                }
                // combine accepts the padded rows
                final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(res), s.hidden(), SEED);
                final List<CombineResult> comb = NormalHarness.combine(c, res, out, NormalHarness.recvWeights(res),
                    null, null, cfg);
                NormalHarness.verifyCombine(what + " combine", new Routes(in, cfg.channels()), out,
                    NormalHarness.recvWeights(res), null, null, comb);
            }
        }
    }

    @Test
    void shouldRejectWorstCaseRowsBelowTheReceivedCount() {
        final Topology topology = Topology.singleNode(4);
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, SEED);
        final int worst = 3;
        try (LocalCluster c = cluster(s, cfg)) {
            final List<Throwable> errors = c.run(b -> catchThrowable(() -> NormalHarness.dispatch1(b, in,
                Options.of(cfg).withWorstRows(worst))));
            final Routes routes = new Routes(in, cfg.channels());
            for (int r = 0; r < topology.ranks(); r++) {
                final int nr = routes.received(r);
                assertThat(nr).as("test premise: rank " + r + " receives more than " + worst).isGreaterThan(worst);
                assertThat(errors.get(r)).as("rank " + r + " receiving " + nr + " rows into " + worst)
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining(Integer.toString(nr)).hasMessageContaining(Integer.toString(worst));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldRepeatCachedDispatchWithFreshData(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        try (LocalCluster c = cluster(s, cfg)) {
            for (final XKind kind : new XKind[] {XKind.RANDOM_BF16, XKind.FP8_FLOAT_SCALES, XKind.FP8_UE8M0_SCALES}) {
                final NormalInputs in = inputs(s, kind, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, SEED);
                final List<DispatchResult> fresh = NormalHarness.dispatch(c, in, Options.of(cfg));
                final NormalInputs next = in.withData(inputs(s, kind, RoutingKind.UNIFORM, WeightMode.NORMAL, 0,
                    SEED + 99));
                final List<DispatchResult> cached = NormalHarness.cachedDispatch(c, next, fresh, cfg);
                final Routes routes = new Routes(next, cfg.channels());
                for (int r = 0; r < topology.ranks(); r++) {
                    final String at = s + " " + kind + " cached rank " + r + ": ";
                    final ContractReference.DispatchExpected exp = ContractReference.dispatch(next, routes, r, 1, 0);
                    final DispatchResult got = cached.get(r);
                    assertTensorEquals(at + "recvX", exp.recvX, got.recvX());
                    if (exp.recvScales == null) {
                        assertThat(got.recvXScales()).as(at + "recvXScales of BF16 x").isNull();
                    } else {
                        assertTensorEquals(at + "recvXScales", exp.recvScales, got.recvXScales());
                    }
                    assertThat(got.recvTopkIdx()).as(at + "recvTopkIdx").isNull();
                    assertThat(got.recvTopkWeights()).as(at + "recvTopkWeights").isNull();
                    assertThat(got.numRecvTokensPerExpert()).as(at + "numRecvTokensPerExpert").isEmpty();
                    assertThat(got.handle()).as(at + "handle").isSameAs(fresh.get(r).handle());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldCombineInFixedFloatOrder(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, SEED);
        try (LocalCluster c = cluster(s, cfg)) {
            final Options opt = Options.of(cfg);
            final List<DispatchResult> d = NormalHarness.dispatch(c, in, opt);
            final Routes routes = NormalHarness.verifyDispatch(s.toString(), in, opt, d);
            final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(d), s.hidden(), SEED);
            final List<HostTensor> w = NormalHarness.recvWeights(d);
            NormalHarness.verifyCombine(s + " combine with weights", routes, out, w, null, null,
                NormalHarness.combine(c, d, out, w, null, null, cfg));
            NormalHarness.verifyCombine(s + " combine without weights", routes, out, null, null, null,
                NormalHarness.combine(c, d, out, null, null, null, cfg));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldReturnEachTokenTimesItsReceiverCount(final Topology topology) {
        // DeepEP's property check (§8.1/§8.2): combine(recv_x) / (number of receiving ranks) ~ x, and the combined
        // weights give back the original weight of every selected expert.
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        try (LocalCluster c = cluster(s, cfg)) {
            for (final XKind kind : new XKind[] {XKind.ONES_RANK, XKind.RANDOM_BF16}) {
                final WeightMode wm = kind == XKind.ONES_RANK ? WeightMode.RANK : WeightMode.NORMAL;
                final NormalInputs in = inputs(s, kind, RoutingKind.UNIFORM, wm, 0.05, SEED + 3);
                final List<DispatchResult> d = NormalHarness.dispatch(c, in, Options.of(cfg));
                final List<HostTensor> w = NormalHarness.recvWeights(d);
                final List<CombineResult> comb = NormalHarness.combine(c, d, NormalHarness.recvX(d), w, null, null,
                    cfg);
                final Routes routes = new Routes(in, cfg.channels());
                for (int r = 0; r < topology.ranks(); r++) {
                    final String at = s + " " + kind + " rank " + r + ": ";
                    final double diff = diffOverReceivers(at, routes, r, in.x().get(r),
                        host(comb.get(r).combinedX(), "combinedX"));
                    assertThat(diff).as(at + "calcDiff(combined / receivers, x)").isLessThan(5e-6);
                    final HostTensor cw = host(comb.get(r).combinedTopkWeights(), "combinedTopkWeights");
                    final HostTensor idx = in.topkIdx().get(r);
                    final HostTensor ow = in.topkWeights().get(r);
                    for (long i = 0; i < cw.numel(); i++) {
                        final float expect = idx.getLong(i) >= 0 ? ow.getFloat(i) : 0f;
                        if (cw.getFloat(i) != expect) {
                            assertThat(cw.getFloat(i)).as(at + "combined weight " + ContractSupport.indices(i,
                                cw.shape())).isEqualTo(expect);
                        }
                    }
                }
            }
        }
    }

    /**
     * @return calcDiff of combined / receivers against x over tokens with at least one receiver; asserts tokens
     *     with none came back as zeros.
     */
    static double diffOverReceivers(final String at, final Routes routes, final int me, final HostTensor x,
        final HostTensor combined) {
        final int h = (int) x.dim(1);
        final List<double[]> pairs = new ArrayList<>();
        for (int t = 0; t < routes.tokens(me); t++) {
            int count = 0;
            for (int d = 0; d < routes.topology().ranks(); d++) {
                count += routes.goes(me, t, d) ? 1 : 0;
            }
            for (int e = 0; e < h; e++) {
                final double got = bf16ToFloat(combined.getShort((long) t * h + e));
                if (count == 0) {
                    assertThat(got).as(at + "token " + t + " sent nowhere, element " + e).isZero();
                } else {
                    pairs.add(new double[] {got / count, bf16ToFloat(x.getShort((long) t * h + e))});
                }
            }
        }
        final double[] a = new double[pairs.size()];
        final double[] b = new double[pairs.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = pairs.get(i)[0];
            b[i] = pairs.get(i)[1];
        }
        return calcDiff(a, b);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldAddBiasesBeforeTheRankSum(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.1, SEED);
        try (LocalCluster c = cluster(s, cfg)) {
            final List<DispatchResult> d = NormalHarness.dispatch(c, in, Options.of(cfg));
            final Routes routes = new Routes(in, cfg.channels());
            final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(d), s.hidden(), SEED + 1);
            final List<HostTensor> b0 = new ArrayList<>();
            final List<HostTensor> b1 = new ArrayList<>();
            for (int r = 0; r < topology.ranks(); r++) {
                b0.add(ContractSupport.bias(r, 0, s.tokens(), s.hidden(), SEED));
                b1.add(ContractSupport.bias(r, 1, s.tokens(), s.hidden(), SEED));
            }
            final List<HostTensor> w = NormalHarness.recvWeights(d);
            NormalHarness.verifyCombine(s + " bias0", routes, out, w, b0, null,
                NormalHarness.combine(c, d, out, w, b0, null, cfg));
            NormalHarness.verifyCombine(s + " bias0+bias1", routes, out, null, b0, b1,
                NormalHarness.combine(c, d, out, null, b0, b1, cfg));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("internodeTopologies")
    void shouldDispatchAndCombineWithGroupLimitedGating(final Topology topology) {
        // DeepEP's internode test (§8.2): group-limited routing, combine with bias = (ones, randn).
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        try (LocalCluster c = cluster(s, cfg)) {
            for (final XKind kind : new XKind[] {XKind.ONES_RANK, XKind.RANDOM_BF16, XKind.FP8_FLOAT_SCALES}) {
                final NormalInputs in = inputs(s, kind, RoutingKind.GROUP_LIMITED, WeightMode.NORMAL, 0, SEED + 5);
                final Options opt = Options.of(cfg);
                final List<DispatchResult> d = NormalHarness.dispatch(c, in, opt);
                final Routes routes = NormalHarness.verifyDispatch(s + " group-limited " + kind, in, opt, d);
                final List<HostTensor> out = kind.isFp8()
                    ? ContractSupport.expertOutputs(NormalHarness.rows(d), s.hidden(), SEED) : NormalHarness.recvX(d);
                final List<HostTensor> b0 = new ArrayList<>();
                final List<HostTensor> b1 = new ArrayList<>();
                for (int r = 0; r < topology.ranks(); r++) {
                    final HostTensor ones = ContractSupport.tokenData(XKind.ONES_RANK, s.tokens(), s.hidden(), 1,
                        SEED)[0];
                    b0.add(ones);
                    b1.add(ContractSupport.bias(r, 1, s.tokens(), s.hidden(), SEED));
                }
                final List<HostTensor> w = NormalHarness.recvWeights(d);
                NormalHarness.verifyCombine(s + " group-limited " + kind + " combine", routes, out, w, b0, b1,
                    NormalHarness.combine(c, d, out, w, b0, b1, cfg));
            }
        }
    }

    static Stream<Topology> smallTopologies() {
        return topologies().filter(t -> t.ranks() <= 9);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallTopologies")
    void shouldNotDependOnRingAndChunkSizes(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig[] configs = {
            ContractSupport.config(topology.nodes(), 8, 1, 0),
            ContractSupport.config(topology.nodes(), 8, 4, 3),
            ContractSupport.config(topology.nodes(), 8, 6, 24),
        };
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, SEED);
        try (LocalCluster c = cluster(s, configs)) {
            List<HostTensor> first = null;
            for (final KernelConfig cfg : configs) {
                final Options opt = Options.of(cfg);
                final List<DispatchResult> d = NormalHarness.dispatch(c, in, opt);
                final Routes routes = NormalHarness.verifyDispatch(s + " " + cfg, in, opt, d);
                final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(d), s.hidden(), SEED);
                final List<HostTensor> w = NormalHarness.recvWeights(d);
                final List<CombineResult> comb = NormalHarness.combine(c, d, out, w, null, null, cfg);
                NormalHarness.verifyCombine(s + " " + cfg + " combine", routes, out, w, null, null, comb);
                final List<HostTensor> combined = new ArrayList<>();
                comb.forEach(x -> combined.add(host(x.combinedX(), "combinedX")));
                if (first == null) {
                    first = combined;
                } else {
                    for (int r = 0; r < combined.size(); r++) {
                        assertTensorEquals(s + " " + cfg + " rank " + r + " combinedX vs first config", first.get(r),
                            combined.get(r));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("internodeTopologies")
    void shouldFillInternodeHandlePrefixesAsDeepEp(final Topology topology) {
        final Shape s = shape(topology);
        final KernelConfig cfg = config(topology);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.GROUP_LIMITED, WeightMode.NORMAL, 0.05,
            SEED);
        try (LocalCluster c = cluster(s, cfg)) {
            final Options opt = Options.of(cfg);
            NormalHarness.verifyInternodePrefixes(s.toString(), in, opt, NormalHarness.dispatch(c, in, opt));
        }
    }

    @Test
    void shouldUseDeepEpDefaultConfigWhenNoneIsGiven() {
        final Topology topology = Topology.singleNode(2);
        final Shape s = new Shape(topology, 64, 128, 4, 16);
        final KernelConfig dispatchDefault = dev.ep4j.api.kernel.DefaultConfigs.dispatch(2,
            KernelConfig.DEFAULT_NUM_SMS);
        final KernelConfig combineDefault = dev.ep4j.api.kernel.DefaultConfigs.combine(2,
            KernelConfig.DEFAULT_NUM_SMS);
        final NormalInputs in = inputs(s, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, SEED);
        try (LocalCluster c = cluster(s, dispatchDefault, combineDefault)) {
            final Options opt = Options.of(null);
            final List<DispatchResult> d = NormalHarness.dispatch(c, in, opt);
            final Routes routes = NormalHarness.verifyDispatch(s + " default config", in, opt, d);
            final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(d), s.hidden(), SEED);
            NormalHarness.verifyCombine(s + " default config combine", routes, out, null, null, null,
                NormalHarness.combine(c, d, out, null, null, null, null));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // random shapes

    /** One random scenario. */
    record RandomCase(int index, Topology topology, int[] tokens, int hidden, int topK, int experts, XKind kind,
        boolean withTopk, RoutingKind routing, double nowhere, KernelConfig config, int alignment, int bias) {
        @Override
        public String toString() {
            return "#" + index + " " + topology + " T=" + java.util.Arrays.toString(tokens) + " H=" + hidden + " K="
                + topK + " E=" + experts + " " + kind + (withTopk ? "" : " no-topk") + " " + routing + " nowhere="
                + nowhere + " " + config + " align=" + alignment + " bias=" + bias;
        }
    }

    static Stream<Arguments> randomCases() {
        final Topology[] topologies = {
            Topology.singleNode(1), Topology.singleNode(2), Topology.singleNode(3), Topology.singleNode(5),
            Topology.singleNode(6), Topology.singleNode(7), Topology.singleNode(4), Topology.singleNode(8),
            new Topology(2, 1), new Topology(3, 1), new Topology(2, 2), new Topology(2, 3), new Topology(3, 2),
            new Topology(2, 5), new Topology(2, 6), new Topology(4, 1),
        };
        final RandomStream rnd = RandomStream.of(SEED, 7, 0);
        final List<Arguments> cases = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            final Topology topo = topologies[i % topologies.length];
            final int ranks = topo.ranks();
            final XKind kind = XKind.values()[rnd.nextInt(XKind.values().length)];
            final int[] hs = kind.isFp8() ? new int[] {128, 256, 384, 640} : new int[] {8, 64, 128, 136, 256, 520};
            final int hidden = hs[rnd.nextInt(hs.length)];
            final int local = 1 + rnd.nextInt(6);
            final int experts = ranks * local;
            final RoutingKind routing = topo.isInternode() && rnd.nextInt(2) == 0 ? RoutingKind.GROUP_LIMITED
                : RoutingKind.UNIFORM;
            final int capacity = routing == RoutingKind.GROUP_LIMITED
                ? Math.min(topo.nodes(), 4) * experts / topo.nodes() : experts;
            final int topK = 1 + rnd.nextInt(Math.min(capacity, 9));
            final int[] tokens = new int[ranks];
            final int shapeKind = i % 5;
            for (int r = 0; r < ranks; r++) {
                tokens[r] = shapeKind == 0 ? 0 : shapeKind == 1 ? 1 : shapeKind == 2 ? 1 + rnd.nextInt(4)
                    : rnd.nextInt(160);
            }
            final double nowhere = new double[] {0, 0, 0.2, 1.0}[rnd.nextInt(4)];
            final int numSms = new int[] {2, 4, 6, 10, 24}[rnd.nextInt(5)];
            final KernelConfig cfg = ContractSupport.config(topo.nodes(), numSms, 1 + rnd.nextInt(8),
                rnd.nextInt(20));
            final int alignment = new int[] {1, 1, 2, 3, 16}[rnd.nextInt(5)];
            cases.add(Arguments.of(new RandomCase(i, topo, tokens, hidden, topK, experts, kind, rnd.nextInt(4) != 0,
                routing, nowhere, cfg, alignment, rnd.nextInt(3))));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("randomCases")
    void shouldMatchTheReferenceOnRandomShapes(final RandomCase rc) {
        requiresTopology(rc.topology());
        final long seed = SEED + 1000 + rc.index();
        final NormalInputs in = ContractSupport.normalInputs(rc.topology(), rc.tokens(), rc.hidden(), rc.topK(),
            rc.experts(), rc.kind(), rc.routing(), WeightMode.NORMAL, rc.nowhere(), seed);
        final Options opt = Options.of(rc.config()).withTopk(rc.withTopk()).withAlignment(rc.alignment());
        try (LocalCluster c = open(rc.topology(), ContractSupport.normalSpec(rc.topology(), rc.hidden(), rc.topK(),
            rc.config()))) {
            final List<DispatchResult> d = NormalHarness.dispatch(c, in, opt);
            final Routes routes = NormalHarness.verifyDispatch(rc.toString(), in, opt, d);
            final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(d), rc.hidden(), seed);
            final List<HostTensor> w = rc.withTopk() ? NormalHarness.recvWeights(d) : null;
            List<HostTensor> b0 = null;
            List<HostTensor> b1 = null;
            if (rc.bias() > 0) {
                b0 = new ArrayList<>();
                b1 = rc.bias() > 1 ? new ArrayList<>() : null;
                for (int r = 0; r < rc.topology().ranks(); r++) {
                    b0.add(ContractSupport.bias(r, 0, rc.tokens()[r], rc.hidden(), seed));
                    if (b1 != null) {
                        b1.add(ContractSupport.bias(r, 1, rc.tokens()[r], rc.hidden(), seed));
                    }
                }
            }
            NormalHarness.verifyCombine(rc + " combine", routes, out, w, b0, b1,
                NormalHarness.combine(c, d, out, w, b0, b1, rc.config()));
        }
    }
}
