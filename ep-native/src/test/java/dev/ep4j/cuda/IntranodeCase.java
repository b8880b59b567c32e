package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.Backend;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractSupport;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One intranode scenario run identically on any backend: layout, fresh dispatch (exact or worst-case rows),
 * cached dispatch of other data, combine of seeded expert outputs with the received weights and optional biases.
 * Every output is copied to the host under a name, so two backends (or two runs) compare element by element.
 *
 * @param name      label for messages.
 * @param topology  single-node group.
 * @param tokens    T per rank.
 * @param hidden    H.
 * @param topK      K.
 * @param experts   E.
 * @param kind      token data of the fresh dispatch.
 * @param withTopk  dispatch with top-k (else without; combine then has no weights).
 * @param nowhere   fraction of tokens routed nowhere.
 * @param dispatch  dispatch config.
 * @param combine   combine config (same numSms).
 * @param alignment expert alignment.
 * @param worst     numWorstTokens (0 = exact).
 * @param biases    0, 1 or 2 combine biases.
 * @param seed      input seed.
 */
record IntranodeCase(String name, Topology topology, int[] tokens, int hidden, int topK, int experts, XKind kind,
    boolean withTopk, double nowhere, KernelConfig dispatch, KernelConfig combine, int alignment, int worst,
    int biases, long seed) {

    @Override
    public String toString() {
        return name + " " + topology + " T=" + Arrays.toString(tokens) + " H=" + hidden + " K=" + topK + " E="
            + experts + " " + kind + (withTopk ? "" : " no-topk") + " nowhere=" + nowhere + " " + dispatch + "/"
            + combine + " align=" + alignment + " worst=" + worst + " bias=" + biases;
    }

    /**
     * @return a buffer spec large enough for every call of the case.
     */
    BufferSpec spec() {
        return ContractSupport.normalSpec(topology, hidden, topK, dispatch, combine);
    }

    /**
     * Runs the case on {@code backend} (a fresh group, closed afterwards).
     *
     * @param backend an opened backend.
     * @return per rank, output name to host copy.
     */
    List<Map<String, HostTensor>> run(final Backend backend) {
        try (LocalCluster c = LocalCluster.open(backend, new GroupSpec(topology, spec()))) {
            return run(c);
        }
    }

    /**
     * Runs the case on an open cluster.
     *
     * @param c the cluster.
     * @return per rank, output name to host copy.
     */
    List<Map<String, HostTensor>> run(final LocalCluster c) {
        final NormalInputs in = ContractSupport.normalInputs(topology, tokens, hidden, topK, experts, kind,
            RoutingKind.UNIFORM, WeightMode.NORMAL, nowhere, seed);
        final NormalInputs other = ContractSupport.normalInputs(topology, tokens, hidden, topK, experts,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, nowhere, seed + 17);
        return c.run(buf -> {
            final int r = buf.rank();
            final Map<String, HostTensor> out = new LinkedHashMap<>();
            final DispatchLayoutResult layout = buf.dispatchLayout(in.topkIdx().get(r), experts);
            put(out, "num_tokens_per_rank", layout.numTokensPerRank());
            put(out, "num_tokens_per_expert", layout.numTokensPerExpert());
            put(out, "is_token_in_rank", layout.isTokenInRank());
            final DispatchRequest.Builder b = DispatchRequest.builder(in.x().get(r)).scales(in.scales().get(r))
                .layout(layout).expertAlignment(alignment).numWorstTokens(worst).config(dispatch);
            if (withTopk) {
                b.topk(in.topkIdx().get(r), in.topkWeights().get(r));
            }
            final DispatchResult d = buf.dispatch(b.build());
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
            out.put("handle_counts", ContractSupport.int32((int) h.numTokens(), (int) h.numRecvTokens(),
                (int) h.recvRows()));

            final DispatchResult cached = buf.dispatch(DispatchRequest.builder(other.x().get(r))
                .cached(d.handle()).numWorstTokens(worst).config(dispatch).build());
            put(out, "cached_recv_x", cached.recvX());
            assertThat(cached.recvTopkIdx()).as("cached dispatch top-k").isNull();

            final long rows = h.recvRows();
            final HostTensor expertOut = ContractSupport.wideBf16(RandomStream.of(seed, 103, r), rows, hidden);
            final HostTensor b0 = biases > 0 ? ContractSupport.bias(r, 0, tokens[r], hidden, seed) : null;
            final HostTensor b1 = biases > 1 ? ContractSupport.bias(r, 1, tokens[r], hidden, seed) : null;
            final CombineResult comb = buf.combine(new CombineRequest(expertOut, d.handle(),
                withTopk ? d.recvTopkWeights() : null, b0, b1, combine));
            put(out, "combined_x", comb.combinedX());
            put(out, "combined_topk_weights", comb.combinedTopkWeights());
            return out;
        });
    }

    private static void put(final Map<String, HostTensor> out, final String name, final Tensor t) {
        if (t != null) {
            out.put(name, t.toHost().copy());
        }
    }

    /**
     * Asserts that two runs produced the same names and byte-identical tensors (the first difference is named with
     * its indices).
     *
     * @param what     label.
     * @param expected the reference run (e.g. sim).
     * @param actual   the run under test.
     */
    static void assertSame(final String what, final List<Map<String, HostTensor>> expected,
        final List<Map<String, HostTensor>> actual) {
        assertThat(actual).as(what + ": ranks").hasSameSizeAs(expected);
        for (int r = 0; r < expected.size(); r++) {
            assertThat(actual.get(r).keySet()).as(what + " rank " + r + ": outputs").containsExactlyElementsOf(
                expected.get(r).keySet());
            for (final Map.Entry<String, HostTensor> e : expected.get(r).entrySet()) {
                ContractSupport.assertTensorEquals(what + " rank " + r + " " + e.getKey(), e.getValue(),
                    actual.get(r).get(e.getKey()));
            }
        }
    }

    /**
     * @param run one run.
     * @return SHA-256 over every output's name, dtype, shape and bytes, rank by rank.
     */
    static String digest(final List<Map<String, HostTensor>> run) {
        try {
            final MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (final Map<String, HostTensor> rank : run) {
                for (final Map.Entry<String, HostTensor> e : rank.entrySet()) {
                    md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update(e.getValue().dtype().name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update(Arrays.toString(e.getValue().shape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update(e.getValue().buffer().duplicate().clear());
                }
            }
            final StringBuilder sb = new StringBuilder();
            for (final byte x : md.digest()) {
                sb.append(String.format("%02x", x));
            }
            return sb.toString();
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
