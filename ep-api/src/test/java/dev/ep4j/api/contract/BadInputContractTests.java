package dev.ep4j.api.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.contract.ContractReference.Routes;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.contract.LowLatencyHarness.Cast;
import dev.ep4j.api.contract.LowLatencyHarness.Data;
import dev.ep4j.api.contract.NormalHarness.Options;
import dev.ep4j.api.error.BufferTooSmallException;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed calls through a real opened buffer: every rank gets the specific exception of the validation table
 * ({@code dev.ep4j.api.validate.BadInputTableTest}) with a message naming the value, and the next valid call on the
 * same buffers still produces the reference result.
 *
 * <p>Use: extend it and implement {@link #openBackend()}; the low-latency cases need
 * {@link ContractSupport#LOW_LATENCY}.
 */
@Timeout(120)
public abstract class BadInputContractTests extends BackendContract {
    private static final Topology TOPO = Topology.singleNode(4);
    private static final int T = 16;
    private static final int H = 256;
    private static final int K = 4;
    private static final int E = 16;
    private static final long SEED = 99;
    private static final KernelConfig CFG = ContractSupport.config(1, 4, 2, 2);

    /** One malformed call: on rank r's buffer, given a valid dispatch result of that rank. */
    private record Case(String what, BiConsumer<EpBuffer, DispatchResult> call, Class<? extends EpException> type,
        String fragment) {
    }

    private static HostTensor t(final DType d, final long... shape) {
        return HostTensor.zeros(d, shape);
    }

    private static HostTensor topk(final NormalInputs in, final int rank, final long pos, final long value) {
        final HostTensor idx = in.topkIdx().get(rank).copy();
        idx.setLong(pos, value);
        return idx;
    }

    private static DispatchRequest.Builder valid(final EpBuffer b, final NormalInputs in) {
        final int r = b.rank();
        final DispatchLayoutResult layout = b.dispatchLayout(in.topkIdx().get(r), E);
        return DispatchRequest.builder(in.x().get(r)).topk(in.topkIdx().get(r), in.topkWeights().get(r))
            .layout(layout).config(CFG);
    }

    private static List<Case> cases(final NormalInputs in) {
        final Class<InvalidInputException> bad = InvalidInputException.class;
        final List<Case> c = new ArrayList<>();
        c.add(new Case("layout: expert id above range", (b, d) -> b.dispatchLayout(topk(in, b.rank(), 3, E), E), bad,
            "=" + E));
        c.add(new Case("layout: expert id below -1", (b, d) -> b.dispatchLayout(topk(in, b.rank(), 5, -2), E), bad,
            "=-2"));
        c.add(new Case("layout: experts not divisible by ranks", (b, d) -> b.dispatchLayout(in.topkIdx()
            .get(b.rank()), 18), bad, "numExperts=18"));
        c.add(new Case("layout: float top-k", (b, d) -> b.dispatchLayout(t(DType.FLOAT32, T, K), E), bad,
            "FLOAT32"));
        c.add(new Case("dispatch: float32 x", (b, d) -> b.dispatch(DispatchRequest.builder(t(DType.FLOAT32, T, H))
            .layout(b.dispatchLayout(in.topkIdx().get(b.rank()), E)).config(CFG).build()), bad, "FLOAT32"));
        c.add(new Case("dispatch: FP8 without scales", (b, d) -> b.dispatch(DispatchRequest.builder(
            t(DType.FP8_E4M3, T, H)).layout(b.dispatchLayout(in.topkIdx().get(b.rank()), E)).config(CFG).build()),
            bad, "xScales is null"));
        c.add(new Case("dispatch: BF16 with scales", (b, d) -> b.dispatch(valid(b, in)
            .scales(t(DType.FLOAT32, T, H / 128)).build()), bad, "xScales must be null"));
        c.add(new Case("dispatch: missing layout", (b, d) -> b.dispatch(valid(b, in).layout(null).build()), bad,
            "layout is null"));
        c.add(new Case("dispatch: weights without ids", (b, d) -> b.dispatch(valid(b, in)
            .topk(null, in.topkWeights().get(b.rank())).build()), bad, "topkIdx null"));
        c.add(new Case("dispatch: duplicate expert in a row", (b, d) -> b.dispatch(valid(b, in)
            .topk(dup(in, b.rank()), in.topkWeights().get(b.rank())).build()), bad, "twice"));
        c.add(new Case("dispatch: expert alignment 0", (b, d) -> b.dispatch(valid(b, in).expertAlignment(0).build()),
            bad, "expertAlignment=0"));
        c.add(new Case("dispatch: negative worst-case rows", (b, d) -> b.dispatch(valid(b, in).numWorstTokens(-5)
            .build()), bad, "numWorstTokens=-5"));
        c.add(new Case("dispatch: NVL buffer too small for the config", (b, d) -> b.dispatch(valid(b, in)
            .config(new KernelConfig(48, 8, 4096, 4, 8)).build()), BufferTooSmallException.class, "NVL buffer"));
        c.add(new Case("dispatch: cached with top-k", (b, d) -> b.dispatch(valid(b, in).cached(d.handle()).build()),
            bad, "topkIdx must be null"));
        c.add(new Case("dispatch: cached with other token count", (b, d) -> b.dispatch(DispatchRequest.builder(
            t(DType.BF16, T + 2, H)).cached(d.handle()).config(CFG).build()), bad, "has " + (T + 2) + " tokens"));
        c.add(new Case("combine: rows differ from dispatch", (b, d) -> b.combine(CombineRequest.of(
            t(DType.BF16, d.handle().recvRows() + 1, H), d.handle()).withConfig(CFG)), bad,
            ", " + H + "]; expected ["));
        c.add(new Case("combine: bias1 without bias0", (b, d) -> b.combine(CombineRequest.of(
            t(DType.BF16, d.handle().recvRows(), H), d.handle()).withConfig(CFG).withBias(null, t(DType.BF16, T, H))),
            bad, "bias1 given without bias0"));
        c.add(new Case("combine: float32 bias", (b, d) -> b.combine(CombineRequest.of(
            t(DType.BF16, d.handle().recvRows(), H), d.handle()).withConfig(CFG)
            .withBias(t(DType.FLOAT32, T, H), null)), bad, "FLOAT32"));
        c.add(new Case("combine: other channel count than the dispatch", (b, d) -> b.combine(CombineRequest.of(
            t(DType.BF16, d.handle().recvRows(), H), d.handle()).withConfig(CFG.withNumSms(CFG.numSms() + 2))),
            ConfigException.class, "numSms=" + (CFG.numSms() + 2)));
        c.add(new Case("low-latency dispatch on a normal buffer", (b, d) -> b.lowLatencyDispatch(
            LowLatencyDispatchRequest.of(in.x().get(b.rank()), in.topkIdx().get(b.rank()), T, E)),
            ConfigException.class, "lowLatencyMode=false"));
        return c;
    }

    private static HostTensor dup(final NormalInputs in, final int rank) {
        final HostTensor idx = in.topkIdx().get(rank).copy();
        idx.setLong(1, idx.getLong(0));
        return idx;
    }

    @Test
    void shouldRejectMalformedNormalCallsOnEveryRankAndStayUsable() {
        final NormalInputs in = ContractSupport.normalInputs(TOPO, ContractSupport.sameTokens(4, T), H, K, E,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, SEED);
        final BufferSpec spec = ContractSupport.normalSpec(TOPO, H, K, CFG);
        try (LocalCluster c = open(TOPO, spec)) {
            final Options opt = Options.of(CFG);
            List<DispatchResult> valid = NormalHarness.dispatch(c, in, opt);
            final List<Case> cases = cases(in);
            assertThat(cases).hasSizeGreaterThanOrEqualTo(10);
            for (final Case k : cases) {
                final List<DispatchResult> handles = valid;
                final List<Throwable> errors = c.run(b -> catchThrowable(() -> k.call().accept(b,
                    handles.get(b.rank()))));
                for (int r = 0; r < TOPO.ranks(); r++) {
                    assertThat(errors.get(r)).as(k.what() + " on rank " + r).isExactlyInstanceOf(k.type())
                        .hasMessageContaining(k.fragment());
                }
                // the same buffers still work: a valid dispatch and combine give the reference result
                valid = NormalHarness.dispatch(c, in, opt);
                final Routes routes = NormalHarness.verifyDispatch("after '" + k.what() + "'", in, opt, valid);
                final List<HostTensor> out = NormalHarness.recvX(valid);
                NormalHarness.verifyCombine("after '" + k.what() + "' combine", routes, out, null, null, null,
                    NormalHarness.combine(c, valid, out, null, null, null, CFG));
            }
        }
    }

    @Test
    void shouldRejectMalformedLowLatencyCallsOnEveryRankAndStayUsable() {
        requires(ContractSupport.LOW_LATENCY);
        final LlInputs in = LowLatencyHarness.inputs(TOPO, E, 512, 16, ContractSupport.sameTokens(4, 12), K,
            Data.RANDOM, SEED);
        try (LocalCluster c = open(TOPO, LowLatencyHarness.spec(in))) {
            c.run(b -> {
                b.cleanLowLatencyBuffer(in.maxTokens(), in.hidden(), in.experts());
                return null;
            });
            final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, Cast.FP8, false, null);
            final List<Case> cases = new ArrayList<>();
            final Class<InvalidInputException> bad = InvalidInputException.class;
            cases.add(new Case("ll: more tokens than maxTokensPerRank", (b, x) -> b.lowLatencyDispatch(
                LowLatencyDispatchRequest.of(in.x().get(b.rank()), in.topkIdx().get(b.rank()), 8, E)), bad,
                "exceeds maxTokensPerRank=8"));
            cases.add(new Case("ll: UE8M0 without round_scale", (b, x) -> b.lowLatencyDispatch(
                LowLatencyDispatchRequest.of(in.x().get(b.rank()), in.topkIdx().get(b.rank()), 16, E)
                    .withCast(true, false, true)), bad, "useUe8m0=true requires roundScale"));
            cases.add(new Case("ll: top-k of 12", (b, x) -> b.lowLatencyDispatch(LowLatencyDispatchRequest.of(
                in.x().get(b.rank()), t(DType.INT64, 12, 12), 16, E)), bad, "12 columns"));
            cases.add(new Case("ll combine: zero-copy with LogFMT", (b, x) -> b.lowLatencyCombine(
                new LowLatencyCombineRequest(null, in.topkIdx().get(b.rank()), in.topkWeights().get(b.rank()),
                    d.get(b.rank()).handle(), true, true, false)), bad, "mutually exclusive"));
            cases.add(new Case("ll combine: missing weights", (b, x) -> b.lowLatencyCombine(
                LowLatencyCombineRequest.of(t(DType.BF16, in.local(), in.slots(), in.hidden()),
                    in.topkIdx().get(b.rank()), null, d.get(b.rank()).handle())), bad, "topkWeights is null"));
            for (final Case k : cases) {
                final List<Throwable> errors = c.run(b -> catchThrowable(() -> k.call().accept(b, null)));
                for (int r = 0; r < TOPO.ranks(); r++) {
                    assertThat(errors.get(r)).as(k.what() + " on rank " + r).isExactlyInstanceOf(k.type())
                        .hasMessageContaining(k.fragment());
                }
            }
            final List<LowLatencyDispatchResult> again = LowLatencyHarness.dispatch(c, in, Cast.BF16, false, null);
            LowLatencyHarness.verifyDispatch("after the malformed calls", in, Cast.BF16, again);
            final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED, 1.0);
            LowLatencyHarness.verifyCombine("after the malformed calls", in, out,
                LowLatencyHarness.combine(c, in, again, out, false, false, false));
        }
    }
}
