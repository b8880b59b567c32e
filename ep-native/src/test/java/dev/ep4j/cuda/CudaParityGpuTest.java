package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.config.DispatchDtype;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.contract.ContractSupport;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.math.Fp8Tensor;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.routing.GeneratedRouting;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.scenario.ScenarioRunner;
import dev.ep4j.sim.scenario.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of the cuda backend (virtual ranks on one GPU) with the sim backend: every output of an intranode run —
 * layout, recv_x, scales, top-k, per-expert counts, handle matrices, cached dispatch, combined_x, combined weights —
 * byte for byte. A failure names the first differing element with its indices. Cases: the shipped scenario
 * {@code configs/scenarios/intranode-ep8-small.json} and seeded random shapes (1 to 8 ranks, BF16 / FP8 with float
 * or UE8M0 scales, with and without top-k, exact and worst-case allocation, biases, ring and chunk sizes).
 */
@Tag("gpu")
@Timeout(300)
class CudaParityGpuTest {
    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
    }

    static Stream<IntranodeCase> randomCases() {
        final SplittableRandom rnd = new SplittableRandom(20_261_123L);
        final int[] rankCounts = {1, 2, 3, 4, 5, 8, 8, 6};
        final List<IntranodeCase> cases = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            final int ranks = rankCounts[i % rankCounts.length];
            final XKind kind = XKind.values()[rnd.nextInt(XKind.values().length)];
            final int hidden = kind.isFp8() ? 128 * (1 + rnd.nextInt(8)) : 8 * (1 + rnd.nextInt(160));
            final int local = 1 + rnd.nextInt(8);
            final int experts = ranks * local;
            final int topK = 1 + rnd.nextInt(Math.min(experts, 9));
            final int[] tokens = new int[ranks];
            for (int r = 0; r < ranks; r++) {
                tokens[r] = i % 7 == 0 ? rnd.nextInt(3) : rnd.nextInt(700);
            }
            final int numSms = new int[] {2, 4, 8, 16, 24}[rnd.nextInt(5)];
            final int chunk = 1 + rnd.nextInt(12);
            final KernelConfig d = ContractSupport.intranodeConfig(numSms, chunk, chunk + 1 + rnd.nextInt(40));
            final int cchunk = 1 + rnd.nextInt(8);
            final KernelConfig c = ContractSupport.intranodeConfig(numSms, cchunk, cchunk + 1 + rnd.nextInt(40));
            int total = 0;
            for (final int t : tokens) {
                total += t;
            }
            final int worst = rnd.nextInt(3) == 0 ? total + rnd.nextInt(5) : 0;
            cases.add(new IntranodeCase("random#" + i, Topology.singleNode(ranks), tokens, hidden, topK, experts,
                kind, rnd.nextInt(4) != 0, new double[] {0, 0.1, 0.5}[rnd.nextInt(3)], d, c,
                new int[] {1, 1, 4, 128}[rnd.nextInt(4)], worst, rnd.nextInt(3), 7_000L + i));
        }
        // DeepSeek-like rows (one large BF16, one large FP8 with UE8M0 scales)
        cases.add(new IntranodeCase("large-bf16", Topology.singleNode(8), same(8, 384), 7168, 8, 256,
            XKind.RANDOM_BF16, true, 0.02, ContractSupport.intranodeConfig(16, 6, 256),
            ContractSupport.intranodeConfig(16, 4, 256), 1, 0, 1, 99));
        cases.add(new IntranodeCase("large-fp8", Topology.singleNode(4), same(4, 512), 7168, 8, 256,
            XKind.FP8_UE8M0_SCALES, true, 0, ContractSupport.intranodeConfig(32, 6, 256),
            ContractSupport.intranodeConfig(32, 9, 256), 128, 4 * 512, 2, 98));
        return cases.stream();
    }

    private static int[] same(final int ranks, final int tokens) {
        final int[] t = new int[ranks];
        java.util.Arrays.fill(t, tokens);
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("randomCases")
    void shouldEqualTheSimByteForByte(final IntranodeCase c) {
        final List<Map<String, HostTensor>> sim;
        try (Backend b = Backends.open("sim")) {
            sim = c.run(b);
        }
        final List<Map<String, HostTensor>> gpu;
        try (Backend b = Backends.open("cuda")) {
            gpu = c.run(b);
        }
        IntranodeCase.assertSame(c.toString() + " cuda vs sim", sim, gpu);
    }

    @Test
    void shouldEqualTheSimOnTheShippedIntranodeScenario() {
        final Path file = scenarioFile("intranode-ep8-small");
        assumeTrue(file != null, "configs/scenarios/intranode-ep8-small.json not found above " + Path.of("")
            .toAbsolutePath());
        final ResolvedScenario s = Scenarios.load(file);
        final ScenarioRunner runner = new ScenarioRunner(s, 8);
        final List<Map<String, HostTensor>> sim;
        try (Backend b = Backends.open("sim")) {
            sim = runScenario(runner, s, b);
        }
        final List<Map<String, HostTensor>> gpu;
        try (Backend b = Backends.open("cuda")) {
            gpu = runScenario(runner, s, b);
        }
        assertThat(sim.get(0)).containsKeys("recv_x", "recv_x_scales", "combined_x", "combined_topk_weights");
        IntranodeCase.assertSame("intranode-ep8-small cuda vs sim", sim, gpu);
    }

    /**
     * The scenario's normal-mode run (as {@link ScenarioRunner} does it: FP8 dispatch of its tokens and routing
     * with its configs, combine of seeded BF16 expert outputs with the received weights), every output kept on the
     * host before the group closes.
     */
    private static List<Map<String, HostTensor>> runScenario(final ScenarioRunner runner, final ResolvedScenario s,
        final Backend backend) {
        final int experts = s.workload().experts();
        final int hidden = s.workload().hidden();
        try (LocalCluster c = LocalCluster.open(backend, new GroupSpec(runner.topology(), runner.bufferSpec()))) {
            return c.run(buf -> {
                final int r = buf.rank();
                final Map<String, HostTensor> out = new LinkedHashMap<>();
                final HostTensor x = runner.tokens(r);
                final GeneratedRouting routing = runner.routing(r);
                final DispatchLayoutResult layout = buf.dispatchLayout(routing.topkIdx(), experts);
                put(out, "num_tokens_per_rank", layout.numTokensPerRank());
                put(out, "num_tokens_per_expert", layout.numTokensPerExpert());
                put(out, "is_token_in_rank", layout.isTokenInRank());
                final DispatchRequest.Builder req;
                if (s.workload().dispatchDtype() == DispatchDtype.FP8) {
                    final Fp8Tensor q = Fp8Quantizer.quantize(x, false, false);
                    req = DispatchRequest.builder(q.data()).scales(q.scales());
                } else {
                    req = DispatchRequest.builder(x);
                }
                final DispatchResult d = buf.dispatch(req.topk(routing.topkIdx(), routing.topkWeights())
                    .layout(layout).config(runner.dispatchConfig()).build());
                put(out, "recv_x", d.recvX());
                put(out, "recv_x_scales", d.recvXScales());
                put(out, "recv_topk_idx", d.recvTopkIdx());
                put(out, "recv_topk_weights", d.recvTopkWeights());
                out.put("num_recv_tokens_per_expert", ContractSupport.int32(d.numRecvTokensPerExpert()));
                final IntranodeHandle h = (IntranodeHandle) d.handle();
                put(out, "rank_prefix_matrix", h.rankPrefixMatrix());
                put(out, "channel_prefix_matrix", h.channelPrefixMatrix());
                put(out, "recv_channel_prefix_matrix", h.recvChannelPrefixMatrix());
                put(out, "recv_src_idx", h.recvSrcIdx());
                put(out, "send_head", h.sendHead());
                final HostTensor expertOut = ContractSupport.wideBf16(RandomStream.of(s.scenario().seed(), 103, r),
                    h.recvRows(), hidden);
                final CombineResult comb = buf.combine(CombineRequest.of(expertOut, d.handle())
                    .withWeights(d.recvTopkWeights()).withConfig(runner.combineConfig()));
                put(out, "combined_x", comb.combinedX());
                put(out, "combined_topk_weights", comb.combinedTopkWeights());
                return out;
            });
        }
    }

    private static void put(final Map<String, HostTensor> out, final String name, final Tensor t) {
        if (t != null) {
            out.put(name, t.toHost().copy());
        }
    }

    private static Path scenarioFile(final String id) {
        Path dir = Path.of(System.getProperty("ep4j.root", "")).toAbsolutePath();
        while (dir != null) {
            final Path f = dir.resolve("configs/scenarios/" + id + ".json");
            if (Files.isRegularFile(f)) {
                return f;
            }
            dir = dir.getParent();
        }
        return null;
    }
}
