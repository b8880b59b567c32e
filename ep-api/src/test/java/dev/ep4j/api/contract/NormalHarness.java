package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.assertTensorEquals;
import static dev.ep4j.api.contract.ContractSupport.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.DispatchExpected;
import dev.ep4j.api.contract.ContractReference.Routes;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchHandle;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.InternodeHandle;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs normal-mode calls on every rank of a {@link LocalCluster} and checks the results against
 * {@link ContractReference}. Stateless.
 */
public final class NormalHarness {
    private NormalHarness() {
    }

    /** Options of one dispatch. */
    public record Options(boolean withTopk, KernelConfig config, int alignment, int worstRows) {
        /**
         * @param config kernel config.
         * @return with top-k, alignment 1, exact allocation.
         */
        public static Options of(final KernelConfig config) {
            return new Options(true, config, 1, 0);
        }

        /**
         * @param topk with top-k.
         * @return a copy.
         */
        public Options withTopk(final boolean topk) {
            return new Options(topk, config, alignment, worstRows);
        }

        /**
         * @param a expert alignment.
         * @return a copy.
         */
        public Options withAlignment(final int a) {
            return new Options(withTopk, config, a, worstRows);
        }

        /**
         * @param rows numWorstTokens.
         * @return a copy.
         */
        public Options withWorstRows(final int rows) {
            return new Options(withTopk, config, alignment, rows);
        }

        /**
         * @return channels the reference uses (the default config's when none is given).
         */
        public int channels() {
            return config == null ? KernelConfig.DEFAULT_NUM_SMS / 2 : config.channels();
        }
    }

    /**
     * Layout then dispatch on every rank.
     *
     * @param cluster the cluster.
     * @param in      all ranks' inputs.
     * @param opt     options.
     * @return results by rank.
     */
    public static List<DispatchResult> dispatch(final LocalCluster cluster, final NormalInputs in,
        final Options opt) {
        return cluster.run(buf -> dispatch1(buf, in, opt));
    }

    /**
     * Layout then dispatch on one rank (for use inside a cluster task).
     *
     * @param buf the rank's buffer.
     * @param in  all ranks' inputs.
     * @param opt options.
     * @return the rank's result.
     */
    public static DispatchResult dispatch1(final EpBuffer buf, final NormalInputs in, final Options opt) {
        final int r = buf.rank();
        final DispatchLayoutResult layout = buf.dispatchLayout(in.topkIdx().get(r), in.experts());
        final DispatchRequest.Builder b = DispatchRequest.builder(in.x().get(r)).scales(in.scales().get(r))
            .layout(layout).expertAlignment(opt.alignment()).numWorstTokens(opt.worstRows()).config(opt.config());
        if (opt.withTopk()) {
            b.topk(in.topkIdx().get(r), in.topkWeights().get(r));
        }
        return buf.dispatch(b.build());
    }

    /**
     * Cached dispatch of new data with the handles of an earlier dispatch.
     *
     * @param cluster the cluster.
     * @param data    new data (x and scales used).
     * @param earlier the earlier dispatch's results.
     * @param config  config.
     * @return results by rank.
     */
    public static List<DispatchResult> cachedDispatch(final LocalCluster cluster, final NormalInputs data,
        final List<DispatchResult> earlier, final KernelConfig config) {
        return cluster.run(buf -> buf.dispatch(DispatchRequest.builder(data.x().get(buf.rank()))
            .scales(data.scales().get(buf.rank())).cached(earlier.get(buf.rank()).handle()).config(config).build()));
    }

    /**
     * Combine on every rank.
     *
     * @param cluster   the cluster.
     * @param dispatch  the dispatch results (handles).
     * @param expertOut per rank BF16 [rows, H].
     * @param weights   per rank FLOAT32 [rows, K], or null.
     * @param bias0     per rank BF16 [T, H], or null.
     * @param bias1     per rank BF16 [T, H], or null.
     * @param config    config.
     * @return results by rank.
     */
    public static List<CombineResult> combine(final LocalCluster cluster, final List<DispatchResult> dispatch,
        final List<HostTensor> expertOut, final List<? extends Tensor> weights, final List<HostTensor> bias0,
        final List<HostTensor> bias1, final KernelConfig config) {
        return cluster.run(buf -> {
            final int r = buf.rank();
            return buf.combine(new CombineRequest(expertOut.get(r), dispatch.get(r).handle(),
                weights == null ? null : weights.get(r), bias0 == null ? null : bias0.get(r),
                bias1 == null ? null : bias1.get(r), config));
        });
    }

    /**
     * Checks every output the contract fixes for a fresh dispatch.
     *
     * @param what    description for messages.
     * @param in      the inputs.
     * @param opt     the options used.
     * @param results the results by rank.
     * @return the routes (for a following combine check).
     */
    public static Routes verifyDispatch(final String what, final NormalInputs in, final Options opt,
        final List<DispatchResult> results) {
        final Routes routes = new Routes(in, opt.channels());
        assertThat(results).as(what + ": results").hasSize(in.ranks());
        for (int r = 0; r < in.ranks(); r++) {
            final String at = what + " rank " + r + ": ";
            final DispatchExpected exp = ContractReference.dispatch(in, routes, r, opt.alignment(), opt.worstRows());
            final DispatchResult res = results.get(r);
            assertTensorEquals(at + "recvX", exp.recvX, res.recvX());
            if (exp.recvScales == null) {
                assertThat(res.recvXScales()).as(at + "recvXScales of BF16 x").isNull();
            } else {
                assertTensorEquals(at + "recvXScales", exp.recvScales, res.recvXScales());
            }
            if (opt.withTopk()) {
                assertTensorEquals(at + "recvTopkIdx", exp.recvTopkIdx, res.recvTopkIdx());
                assertTensorEquals(at + "recvTopkWeights", exp.recvTopkWeights, res.recvTopkWeights());
            } else {
                assertThat(res.recvTopkIdx()).as(at + "recvTopkIdx without top-k").isNull();
                assertThat(res.recvTopkWeights()).as(at + "recvTopkWeights without top-k").isNull();
            }
            if (opt.worstRows() > 0) {
                assertThat(res.numRecvTokensPerExpert()).as(at + "numRecvTokensPerExpert with worst-case rows")
                    .isEmpty();
            } else {
                assertThat(res.numRecvTokensPerExpert()).as(at + "numRecvTokensPerExpert").containsExactly(
                    exp.perExpert);
            }
            verifyHandle(at, exp, routes, r, res.handle());
        }
        return routes;
    }

    /**
     * Checks the handle fields docs/semantics.md fixes.
     *
     * @param at     message prefix.
     * @param exp    expected outputs of the rank.
     * @param routes routes.
     * @param rank   the rank.
     * @param handle the handle.
     */
    static void verifyHandle(final String at, final DispatchExpected exp, final Routes routes, final int rank,
        final DispatchHandle handle) {
        assertThat(handle).as(at + "handle").isNotNull();
        assertThat(handle.numTokens()).as(at + "handle.numTokens").isEqualTo(routes.tokens(rank));
        assertThat(handle.numRecvTokens()).as(at + "handle.numRecvTokens").isEqualTo(exp.numRecv);
        assertThat(handle.recvRows()).as(at + "handle.recvRows").isEqualTo(exp.recvX.dim(0));
        assertTensorEquals(at + "handle.isTokenInRank", exp.isTokenInRank, handle.isTokenInRank());
        if (!routes.topology().isInternode()) {
            assertThat(handle).as(at + "handle type").isInstanceOf(IntranodeHandle.class);
            final IntranodeHandle h = (IntranodeHandle) handle;
            assertTensorEquals(at + "rankPrefixMatrix", exp.rankPrefix, h.rankPrefixMatrix());
            assertTensorEquals(at + "channelPrefixMatrix", exp.channelPrefix, h.channelPrefixMatrix());
            assertTensorEquals(at + "recvChannelPrefixMatrix", exp.recvChannelPrefix, h.recvChannelPrefixMatrix());
            assertTensorEquals(at + "recvSrcIdx", exp.recvSrcIdx, h.recvSrcIdx());
            assertTensorEquals(at + "sendHead", exp.sendHead, h.sendHead());
        } else {
            assertThat(handle).as(at + "handle type").isInstanceOf(InternodeHandle.class);
            final InternodeHandle h = (InternodeHandle) handle;
            assertTensorEquals(at + "recvSrcMeta", exp.recvSrcMeta, h.recvSrcMeta());
            assertTensorEquals(at + "sendRdmaHead", exp.sendRdmaHead, h.sendRdmaHead());
            assertTensorEquals(at + "sendNvlHead", exp.sendNvlHead, h.sendNvlHead());
        }
    }

    /**
     * Checks the internode handle's prefix tensors with DeepEP's meaning (spec/semantics.md §5.4, §5.6), which
     * docs/semantics.md does not restate.
     *
     * @param what    description.
     * @param in      inputs.
     * @param opt     options.
     * @param results results by rank.
     */
    public static void verifyInternodePrefixes(final String what, final NormalInputs in, final Options opt,
        final List<DispatchResult> results) {
        final Routes routes = new Routes(in, opt.channels());
        for (int r = 0; r < in.ranks(); r++) {
            final String at = what + " rank " + r + ": ";
            final DispatchExpected exp = ContractReference.dispatch(in, routes, r, opt.alignment(), opt.worstRows());
            final InternodeHandle h = (InternodeHandle) results.get(r).handle();
            assertTensorEquals(at + "rdmaChannelPrefixMatrix", exp.rdmaChannelPrefix, h.rdmaChannelPrefixMatrix());
            assertTensorEquals(at + "gblChannelPrefixMatrix", exp.gblChannelPrefix, h.gblChannelPrefixMatrix());
            assertTensorEquals(at + "recvRdmaChannelPrefixMatrix", exp.recvRdmaChannelPrefix,
                h.recvRdmaChannelPrefixMatrix());
            assertTensorEquals(at + "recvRdmaRankPrefixSum", exp.recvRdmaRankPrefixSum, h.recvRdmaRankPrefixSum());
            assertTensorEquals(at + "recvGblRankPrefixSum", exp.recvGblRankPrefixSum, h.recvGblRankPrefixSum());
            assertTensorEquals(at + "recvGblChannelPrefixMatrix", exp.recvGblChannelPrefix,
                h.recvGblChannelPrefixMatrix());
        }
    }

    /**
     * Checks combine outputs bit for bit.
     *
     * @param what      description.
     * @param routes    the dispatch's routes.
     * @param expertOut combine inputs by rank.
     * @param weights   weights by rank or null.
     * @param bias0     bias0 by rank or null.
     * @param bias1     bias1 by rank or null.
     * @param results   results by rank.
     */
    public static void verifyCombine(final String what, final Routes routes, final List<HostTensor> expertOut,
        final List<HostTensor> weights, final List<HostTensor> bias0, final List<HostTensor> bias1,
        final List<CombineResult> results) {
        for (int r = 0; r < routes.topology().ranks(); r++) {
            final String at = what + " rank " + r + ": ";
            final HostTensor[] exp = ContractReference.combine(routes, r, expertOut, weights,
                bias0 == null ? null : bias0.get(r), bias1 == null ? null : bias1.get(r));
            assertTensorEquals(at + "combinedX", exp[0], results.get(r).combinedX());
            if (weights == null) {
                assertThat(results.get(r).combinedTopkWeights()).as(at + "combinedTopkWeights without weights")
                    .isNull();
            } else {
                assertTensorEquals(at + "combinedTopkWeights", exp[1], results.get(r).combinedTopkWeights());
            }
        }
    }

    /**
     * @param results dispatch results.
     * @return their recv_x as host tensors.
     */
    public static List<HostTensor> recvX(final List<DispatchResult> results) {
        final List<HostTensor> out = new ArrayList<>();
        for (final DispatchResult d : results) {
            out.add(host(d.recvX(), "recvX"));
        }
        return out;
    }

    /**
     * @param results dispatch results.
     * @return their recv_topk_weights as host tensors.
     */
    public static List<HostTensor> recvWeights(final List<DispatchResult> results) {
        final List<HostTensor> out = new ArrayList<>();
        for (final DispatchResult d : results) {
            out.add(host(d.recvTopkWeights(), "recvTopkWeights"));
        }
        return out;
    }

    /**
     * @param results dispatch results.
     * @return rows of each rank's outputs.
     */
    public static long[] rows(final List<DispatchResult> results) {
        final long[] rows = new long[results.size()];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = results.get(r).handle().recvRows();
        }
        return rows;
    }
}
