package dev.ep4j.api.validate;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.error.BufferTooSmallException;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input table: every malformed argument gets a specific exception naming the offending value, before any
 * work; the valid baseline still passes afterwards. Backends run the same validator, so this table holds for all.
 */
class BadInputTableTest {
    private static final Topology TOPO = Topology.singleNode(4);
    private static final Topology TWO_NODES = new Topology(2, 2);
    private static final int T = 8;
    private static final int H = 512;
    private static final int K = 2;
    private static final int E = 16;
    private static final KernelConfig CFG = new KernelConfig(4, 2, 16, 4, 16);
    private static final BufferSpec NORMAL = BufferSpec.normal(64L << 20);
    private static final BufferSpec LL = BufferSpec.lowLatency(512L << 20, 8);

    /** One row: what is wrong, the call, the exception type and a fragment naming the value. */
    private record Case(String what, Runnable call, Class<? extends EpException> type, String fragment) {
        @Override
        public String toString() {
            return what;
        }
    }

    static HostTensor t(final DType d, final long... shape) {
        return HostTensor.zeros(d, shape);
    }

    static HostTensor topk(final long... ids) {
        final HostTensor idx = t(DType.INT64, T, K);
        for (int i = 0; i < T * K; i++) {
            idx.setLong(i, i % E);
        }
        for (int i = 0; i + 1 < ids.length; i += 2) {
            idx.setLong(ids[i], ids[i + 1]);
        }
        return idx;
    }

    static DispatchLayoutResult layout(final long tokens, final int ranks, final int experts) {
        return new DispatchLayoutResult(t(DType.INT32, ranks), null, t(DType.INT32, experts),
            t(DType.BOOL, tokens, ranks), OpStats.untimed("layout"));
    }

    static DispatchRequest.Builder dispatch() {
        return DispatchRequest.builder(t(DType.BF16, T, H)).topk(topk(), t(DType.FLOAT32, T, K))
            .layout(layout(T, 4, E)).config(CFG);
    }

    static IntranodeHandle handle(final long tokens, final long rows) {
        return new IntranodeHandle(t(DType.INT32, 4, 4), t(DType.INT32, 4, 2), t(DType.INT32, 4, 2),
            t(DType.INT32, rows), t(DType.BOOL, tokens, 4), t(DType.INT32, tokens, 4), tokens, rows, CFG);
    }

    static CombineRequest combine() {
        return CombineRequest.of(t(DType.BF16, 12, H), handle(T, 12)).withConfig(CFG);
    }

    static LowLatencyDispatchRequest ll() {
        return LowLatencyDispatchRequest.of(t(DType.BF16, T, H), topk(), 16, E);
    }

    static LowLatencyHandle llHandle() {
        return new LowLatencyHandle(t(DType.INT32, 4, 64), t(DType.INT64, 4, 4), 16, H, E);
    }

    static LowLatencyCombineRequest llCombine() {
        return LowLatencyCombineRequest.of(t(DType.BF16, 4, 64, H), topk(), t(DType.FLOAT32, T, K), llHandle());
    }

    static void d(final DispatchRequest r) {
        OpValidator.validateDispatch(r, TOPO, NORMAL);
    }

    static void c(final CombineRequest r) {
        OpValidator.validateCombine(r, TOPO, NORMAL);
    }

    static void lld(final LowLatencyDispatchRequest r) {
        OpValidator.validateLowLatencyDispatch(r, TOPO, LL);
    }

    static void llc(final LowLatencyCombineRequest r) {
        OpValidator.validateLowLatencyCombine(r, TOPO, LL);
    }

    static Stream<Arguments> cases() {
        final Class<InvalidInputException> bad = InvalidInputException.class;
        final List<Case> c = new ArrayList<>();
        // layout
        c.add(new Case("layout: expert id above range", () -> OpValidator.validateLayout(topk(3, 16), E, TOPO), bad,
            "=16"));
        c.add(new Case("layout: expert id below -1", () -> OpValidator.validateLayout(topk(5, -2), E, TOPO), bad,
            "=-2"));
        c.add(new Case("layout: duplicate expert in a row", () -> OpValidator.validateLayout(topk(0, 7, 1, 7), E,
            TOPO), bad, "expert 7 twice"));
        c.add(new Case("layout: experts not divisible by ranks", () -> OpValidator.validateLayout(topk(), 18, TOPO),
            bad, "numExperts=18"));
        c.add(new Case("layout: zero experts", () -> OpValidator.validateLayout(topk(), 0, TOPO), bad,
            "numExperts=0"));
        c.add(new Case("layout: float top-k", () -> OpValidator.validateLayout(t(DType.FLOAT32, T, K), E, TOPO), bad,
            "FLOAT32"));
        c.add(new Case("layout: 1-d top-k", () -> OpValidator.validateLayout(t(DType.INT64, T), E, TOPO), bad,
            "[8]"));
        c.add(new Case("layout: top-k of 33 columns", () -> OpValidator.validateLayout(t(DType.INT64, T, 33), E,
            TOPO), bad, "33 columns"));
        c.add(new Case("layout: too many local experts", () -> OpValidator.validateLayout(topk(), 4 * 1025, TOPO),
            bad, "1025 experts per rank"));
        // dispatch
        c.add(new Case("dispatch: null x", () -> d(DispatchRequest.builder(null).layout(layout(T, 4, E)).build()),
            bad, "x is null"));
        c.add(new Case("dispatch: float32 x", () -> d(DispatchRequest.builder(t(DType.FLOAT32, T, H))
            .layout(layout(T, 4, E)).config(CFG).build()), bad, "FLOAT32"));
        c.add(new Case("dispatch: 3-d x", () -> d(DispatchRequest.builder(t(DType.BF16, T, H, 1))
            .layout(layout(T, 4, E)).config(CFG).build()), bad, "[8, 512, 1]"));
        c.add(new Case("dispatch: row not multiple of 16 bytes", () -> d(DispatchRequest.builder(t(DType.BF16, T, 4))
            .layout(layout(T, 4, E)).config(CFG).build()), bad, "8 bytes"));
        c.add(new Case("dispatch: FP8 without scales", () -> d(DispatchRequest.builder(t(DType.FP8_E4M3, T, H))
            .layout(layout(T, 4, E)).config(CFG).build()), bad, "xScales is null"));
        c.add(new Case("dispatch: FP8 hidden not multiple of 128", () -> d(DispatchRequest.builder(
            t(DType.FP8_E4M3, T, 208)).scales(t(DType.FLOAT32, T, 2)).layout(layout(T, 4, E)).config(CFG).build()),
            bad, "hidden=208"));
        c.add(new Case("dispatch: FP8 scales of wrong width", () -> d(DispatchRequest.builder(
            t(DType.FP8_E4M3, T, H)).scales(t(DType.FLOAT32, T, 3)).layout(layout(T, 4, E)).config(CFG).build()),
            bad, "[8, 3]"));
        c.add(new Case("dispatch: BF16 with scales", () -> d(dispatch().scales(t(DType.FLOAT32, T, 4)).build()), bad,
            "xScales must be null"));
        c.add(new Case("dispatch: missing layout", () -> d(dispatch().layout(null).build()), bad,
            "layout is null"));
        c.add(new Case("dispatch: layout for other token count", () -> d(dispatch().layout(layout(T + 1, 4, E))
            .build()), bad, "[9, 4]"));
        c.add(new Case("dispatch: layout for other rank count", () -> d(dispatch().layout(layout(T, 2, E)).build()),
            bad, "[2]"));
        c.add(new Case("dispatch: weights without ids", () -> d(dispatch().topk(null, t(DType.FLOAT32, T, K))
            .build()), bad, "topkIdx null"));
        c.add(new Case("dispatch: weights of other shape", () -> d(dispatch().topk(topk(), t(DType.FLOAT32, T, 3))
            .build()), bad, "[8, 3]"));
        c.add(new Case("dispatch: int weights", () -> d(dispatch().topk(topk(), t(DType.INT32, T, K)).build()), bad,
            "INT32"));
        c.add(new Case("dispatch: expert id out of range", () -> d(dispatch().topk(topk(9, 99),
            t(DType.FLOAT32, T, K)).build()), bad, "=99"));
        c.add(new Case("dispatch: expert alignment 0", () -> d(dispatch().expertAlignment(0).build()), bad,
            "expertAlignment=0"));
        c.add(new Case("dispatch: negative worst-case rows", () -> d(dispatch().numWorstTokens(-5).build()), bad,
            "numWorstTokens=-5"));
        c.add(new Case("dispatch: cached with top-k", () -> d(dispatch().cached(handle(T, 12)).build()), bad,
            "topkIdx must be null"));
        c.add(new Case("dispatch: cached with other token count", () -> d(DispatchRequest.builder(
            t(DType.BF16, T + 2, H)).cached(handle(T, 12)).config(CFG).build()), bad, "has 10 tokens"));
        c.add(new Case("dispatch: cached with other numSms", () -> d(DispatchRequest.builder(t(DType.BF16, T, H))
            .cached(handle(T, 12)).config(CFG.withNumSms(8)).build()), ConfigException.class, "numSms=8"));
        c.add(new Case("dispatch: NVL buffer too small", () -> OpValidator.validateDispatch(dispatch().build(), TOPO,
            BufferSpec.normal(1024)), BufferTooSmallException.class, "has 1024 bytes"));
        c.add(new Case("dispatch: internode layout without per-node counts", () -> OpValidator.validateDispatch(
            dispatch().build(), TWO_NODES, BufferSpec.normal(64L << 20, 64L << 20)), bad, "numTokensPerNode"));
        c.add(new Case("dispatch: intranode handle on internode group", () -> OpValidator.validateDispatch(
            DispatchRequest.builder(t(DType.BF16, T, H)).cached(handle(T, 12)).config(CFG).build(), TWO_NODES,
            BufferSpec.normal(64L << 20, 64L << 20)), bad, "handle is intranode"));
        // combine
        c.add(new Case("combine: null handle", () -> c(CombineRequest.of(t(DType.BF16, 12, H), null)), bad,
            "handle is null"));
        c.add(new Case("combine: FP8 x", () -> c(CombineRequest.of(t(DType.FP8_E4M3, 12, H), handle(T, 12))
            .withConfig(CFG)), bad, "FP8_E4M3"));
        c.add(new Case("combine: rows differ from dispatch", () -> c(CombineRequest.of(t(DType.BF16, 11, H),
            handle(T, 12)).withConfig(CFG)), bad, "[11, 512]"));
        c.add(new Case("combine: bias of wrong shape", () -> c(combine().withBias(t(DType.BF16, T, H + 128), null)),
            bad, "[8, 640]"));
        c.add(new Case("combine: bias1 without bias0", () -> c(combine().withBias(null, t(DType.BF16, T, H))), bad,
            "bias1 given without bias0"));
        c.add(new Case("combine: float32 bias", () -> c(combine().withBias(t(DType.FLOAT32, T, H), null)), bad,
            "FLOAT32"));
        c.add(new Case("combine: weights of wrong rows", () -> c(combine().withWeights(t(DType.FLOAT32, 3, K))), bad,
            "[3, 2]"));
        c.add(new Case("combine: other channel count than dispatch", () -> c(combine().withConfig(
            CFG.withNumSms(8))), ConfigException.class, "numSms=8"));
        // low-latency dispatch
        c.add(new Case("ll: buffer not in low-latency mode", () -> OpValidator.validateLowLatencyDispatch(ll(), TOPO,
            NORMAL), ConfigException.class, "lowLatencyMode=false"));
        c.add(new Case("ll: more tokens than maxTokensPerRank", () -> lld(LowLatencyDispatchRequest.of(
            t(DType.BF16, T, H), topk(), 4, E)), bad, "tokens=8 exceeds maxTokensPerRank=4"));
        c.add(new Case("ll: hidden not multiple of 128", () -> lld(LowLatencyDispatchRequest.of(
            t(DType.BF16, T, 200), topk(), 16, E)), bad, "hidden=200"));
        c.add(new Case("ll: top-k of 12", () -> lld(LowLatencyDispatchRequest.of(t(DType.BF16, T, H),
            t(DType.INT64, T, 12), 16, E)), bad, "12 columns"));
        c.add(new Case("ll: UE8M0 without round_scale", () -> lld(ll().withCast(true, false, true)), bad,
            "useUe8m0=true requires roundScale"));
        c.add(new Case("ll: round_scale without FP8", () -> lld(ll().withCast(false, true, false)), bad,
            "roundScale=true requires useFp8"));
        c.add(new Case("ll: UE8M0 with hidden not multiple of 512", () -> lld(LowLatencyDispatchRequest.of(
            t(DType.BF16, T, 384), topk(), 16, E).withCast(true, true, true)), bad, "hidden=384"));
        c.add(new Case("ll: ranks x maxTokens not multiple of 4", () -> OpValidator.validateLowLatencyDispatch(
            LowLatencyDispatchRequest.of(t(DType.BF16, 1, H), t(DType.INT64, 1, K), 3, 18), Topology.singleNode(3),
            LL), bad, "= 9"));
        c.add(new Case("ll: too few QPs", () -> OpValidator.validateLowLatencyDispatch(ll(), TOPO,
            BufferSpec.lowLatency(512L << 20, 2)), ConfigException.class, "numQpsPerRank=2"));
        c.add(new Case("ll: RDMA buffer too small", () -> OpValidator.validateLowLatencyDispatch(ll(), TOPO,
            BufferSpec.lowLatency(1L << 20, 8)), BufferTooSmallException.class, "has 1048576 bytes"));
        // low-latency combine
        c.add(new Case("ll combine: zero-copy with LogFMT", () -> llc(new LowLatencyCombineRequest(null, topk(),
            t(DType.FLOAT32, T, K), llHandle(), true, true, false)), bad, "mutually exclusive"));
        c.add(new Case("ll combine: x of wrong packed shape", () -> llc(LowLatencyCombineRequest.of(
            t(DType.BF16, 4, 32, H), topk(), t(DType.FLOAT32, T, K), llHandle())), bad, "[4, 32, 512]"));
        c.add(new Case("ll combine: missing weights", () -> llc(LowLatencyCombineRequest.of(
            t(DType.BF16, 4, 64, H), topk(), null, llHandle())), bad, "topkWeights is null"));
        // buffer spec
        c.add(new Case("buffer: size not multiple of 128", () -> BufferSpec.normal(1000), ConfigException.class,
            "nvlBufferBytes=1000"));
        c.add(new Case("buffer: zero timeout", () -> NORMAL.withTimeout(Duration.ZERO), ConfigException.class,
            "timeout=PT0S"));
        return c.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRejectWithSpecificExceptionNamingTheValue(final Case c) {
        assertThatThrownBy(c.call()::run).isExactlyInstanceOf(c.type()).hasMessageContaining(c.fragment());
        // validation is side-effect free: the valid baseline of every operation still passes
        assertThatCode(() -> {
            OpValidator.validateLayout(topk(), E, TOPO);
            d(dispatch().build());
            c(combine());
            lld(ll());
            llc(llCombine());
        }).doesNotThrowAnyException();
    }
}
