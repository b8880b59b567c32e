package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.assertTensorEquals;
import static dev.ep4j.api.contract.ContractSupport.host;

import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.contract.LowLatencyHarness.Cast;
import dev.ep4j.api.contract.LowLatencyHarness.Data;
import dev.ep4j.api.contract.NormalHarness.Options;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.InternodeHandle;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DeepEP's "pressure test" (spec/semantics.md §8.2): the same seed run 20 times on the same buffers gives
 * byte-identical outputs, for normal dispatch + combine (intranode and internode) and low-latency dispatch +
 * combine. Inputs are regenerated from the seed on every run.
 *
 * <p>Use: extend it and implement {@link #openBackend()}; internode and low-latency cases need capabilities
 * {@link ContractSupport#INTERNODE} and {@link ContractSupport#LOW_LATENCY}.
 */
@Timeout(120)
public abstract class DeterminismContractTests extends BackendContract {
    private static final int RUNS = 20;
    private static final long SEED = 4242;

    static Stream<Topology> topologies() {
        return Stream.of(Topology.singleNode(8), new Topology(2, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void shouldGiveByteIdenticalNormalOutputsOverTwentyRuns(final Topology topology) {
        requiresTopology(topology);
        final int tokens = 64;
        final int hidden = 256;
        final int topK = 6;
        final int experts = 4 * topology.ranks();
        final KernelConfig cfg = ContractSupport.config(topology.nodes(), 6, 3, 1);
        try (LocalCluster c = open(topology, ContractSupport.normalSpec(topology, hidden, topK, cfg))) {
            List<HostTensor> first = null;
            for (int run = 0; run < RUNS; run++) {
                final NormalInputs in = ContractSupport.normalInputs(topology,
                    ContractSupport.sameTokens(topology.ranks(), tokens), hidden, topK, experts, XKind.RANDOM_BF16,
                    topology.isInternode() ? RoutingKind.GROUP_LIMITED : RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05,
                    SEED);
                final NormalInputs fp8 = in.withData(ContractSupport.normalInputs(topology,
                    ContractSupport.sameTokens(topology.ranks(), tokens), hidden, topK, experts,
                    XKind.FP8_FLOAT_SCALES, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, SEED));
                final List<DispatchResult> d = NormalHarness.dispatch(c, in, Options.of(cfg));
                final List<DispatchResult> cached = NormalHarness.cachedDispatch(c, fp8, d, cfg);
                final List<HostTensor> out = ContractSupport.expertOutputs(NormalHarness.rows(d), hidden, SEED);
                final List<CombineResult> comb = NormalHarness.combine(c, d, out, NormalHarness.recvWeights(d),
                    null, null, cfg);
                final List<HostTensor> all = new ArrayList<>();
                for (int r = 0; r < topology.ranks(); r++) {
                    normalFingerprint(all, d.get(r), cached.get(r), comb.get(r));
                }
                first = compare(topology + " normal", run, first, all);
            }
        }
    }

    private static void normalFingerprint(final List<HostTensor> all, final DispatchResult d,
        final DispatchResult cached, final CombineResult comb) {
        add(all, d.recvX(), d.recvXScales(), d.recvTopkIdx(), d.recvTopkWeights(),
            ContractSupport.int32(d.numRecvTokensPerExpert()), d.handle().isTokenInRank(), cached.recvX(),
            cached.recvXScales(), comb.combinedX(), comb.combinedTopkWeights());
        if (d.handle() instanceof IntranodeHandle) {
            final IntranodeHandle h = (IntranodeHandle) d.handle();
            add(all, h.rankPrefixMatrix(), h.channelPrefixMatrix(), h.recvChannelPrefixMatrix(), h.recvSrcIdx(),
                h.sendHead());
        } else {
            final InternodeHandle h = (InternodeHandle) d.handle();
            add(all, h.rdmaChannelPrefixMatrix(), h.gblChannelPrefixMatrix(), h.recvRdmaChannelPrefixMatrix(),
                h.recvRdmaRankPrefixSum(), h.recvGblChannelPrefixMatrix(), h.recvGblRankPrefixSum(), h.recvSrcMeta(),
                h.sendRdmaHead(), h.sendNvlHead());
        }
    }

    private static void add(final List<HostTensor> all, final Tensor... tensors) {
        for (final Tensor t : tensors) {
            if (t != null) {
                all.add(host(t, "output").copy());
            }
        }
    }

    private static List<HostTensor> compare(final String what, final int run, final List<HostTensor> first,
        final List<HostTensor> all) {
        if (first == null) {
            return all;
        }
        org.assertj.core.api.Assertions.assertThat(all).as(what + " run " + run + " output count").hasSameSizeAs(first);
        for (int i = 0; i < all.size(); i++) {
            assertTensorEquals(what + " run " + run + " output #" + i + " vs run 0", first.get(i), all.get(i));
        }
        return first;
    }

    @Test
    void shouldGiveByteIdenticalLowLatencyOutputsOverTwentyRuns() {
        requires(ContractSupport.LOW_LATENCY);
        final Topology topology = Topology.singleNode(8);
        final LlInputs probe = inputs(topology);
        try (LocalCluster c = open(topology, LowLatencyHarness.spec(probe))) {
            c.run(b -> {
                b.cleanLowLatencyBuffer(probe.maxTokens(), probe.hidden(), probe.experts());
                return null;
            });
            final java.util.Map<Cast, List<HostTensor>> first = new java.util.HashMap<>();
            for (int run = 0; run < RUNS; run++) {
                final LlInputs in = inputs(topology);
                // alternate float and UE8M0 scales; each sequence is compared with its own first run
                final Cast cast = run % 2 == 0 ? Cast.FP8 : Cast.FP8_UE8M0;
                final List<LowLatencyDispatchResult> d = LowLatencyHarness.dispatch(c, in, cast, false, null);
                final List<HostTensor> out = LowLatencyHarness.expertOutputs(in, SEED, 1.0);
                final List<LowLatencyCombineResult> comb = LowLatencyHarness.combine(c, in, d, out, false, false,
                    false);
                final List<HostTensor> all = new ArrayList<>();
                for (int r = 0; r < topology.ranks(); r++) {
                    final LowLatencyDispatchResult dr = d.get(r);
                    add(all, dr.recvX(), dr.recvXScales(), dr.recvCount(), dr.handle().srcInfo(),
                        dr.handle().layoutRange(), comb.get(r).combinedX());
                }
                first.put(cast, compare(topology + " low-latency " + cast, run, first.get(cast), all));
            }
        }
    }

    private static LlInputs inputs(final Topology topology) {
        return LowLatencyHarness.inputs(topology, 24, 512, 16, ContractSupport.sameTokens(topology.ranks(), 15), 6,
            Data.RANDOM, SEED);
    }
}
