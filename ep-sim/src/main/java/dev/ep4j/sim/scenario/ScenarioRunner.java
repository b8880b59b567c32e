package dev.ep4j.sim.scenario;

import dev.ep4j.api.Backend;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.config.CombineDtype;
import dev.ep4j.api.config.DispatchDtype;
import dev.ep4j.api.config.EpMode;
import dev.ep4j.api.config.ResolvedScenario;
import dev.ep4j.api.config.RoutingConfig;
import dev.ep4j.api.config.WorkloadConfig;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.DefaultConfigs;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.math.Fp8Tensor;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.InternodeHandle;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.routing.GeneratedRouting;
import dev.ep4j.api.routing.NpyTraceStore;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.routing.RoutingSpec;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.List;

/**
 * Runs a scenario's operations functionally on every rank of one EP size and keeps every input and output under
 * DeepEP's reference names. Normal mode: layout, dispatch (FP8 or BF16 as the workload says), combine of the
 * dequantized received rows with their weights. Low-latency mode: dispatch and weighted combine.
 *
 * <p>Inputs are deterministic in (scenario seed, rank): x from {@link RandomStream} stream {@link #STREAM_X}
 * (normal values, BF16), routing from the scenario's routing with {@code |N(0,1)|} weights (group-limited gating
 * selects min(numTopkGroups, nodes) node groups, as DeepEP's internode test does). Stateless apart from
 * its configuration; thread-safe.
 */
public final class ScenarioRunner {
    /** Random stream id of the token data. */
    public static final long STREAM_X = 100;
    /** Masked (-1) top-k entries per rank in low-latency runs, as DeepEP's LL test does. */
    public static final int LL_MASKED = 10;

    private final ResolvedScenario scenario;
    private final int ep;
    private final Topology topology;
    private final WorkloadConfig w;
    private final int numSms;

    /**
     * @param scenario the resolved scenario.
     * @param ep       the EP size to run (one of the scenario's).
     */
    public ScenarioRunner(final ResolvedScenario scenario, final int ep) {
        this.scenario = scenario;
        this.ep = ep;
        this.topology = scenario.topology().topology().shapeForRanks(ep);
        this.w = scenario.workload();
        final List<Integer> sms = scenario.scenario().numSms();
        this.numSms = sms.isEmpty() ? KernelConfig.DEFAULT_NUM_SMS : sms.get(0);
    }

    /**
     * @return the group shape for this EP size.
     */
    public Topology topology() {
        return topology;
    }

    /**
     * @return true for the low-latency kernels.
     */
    public boolean lowLatency() {
        return w.mode() == EpMode.LOW_LATENCY;
    }

    /**
     * @return the buffer spec this run needs (DeepEP's size hints for the workload).
     */
    public BufferSpec bufferSpec() {
        if (lowLatency()) {
            return BufferSpec.lowLatency(BufferSizing.lowLatencySizeHint(w.tokensPerRank(), w.hidden(), ep,
                w.experts()), Math.max(1, w.experts() / ep));
        }
        final long hb = 2L * w.hidden();
        final KernelConfig d = dispatchConfig();
        final KernelConfig c = combineConfig();
        return BufferSpec.normal(
            Math.max(BufferSizing.nvlSizeHint(d, hb, topology), BufferSizing.nvlSizeHint(c, hb, topology)),
            Math.max(BufferSizing.rdmaSizeHint(d, hb, topology), BufferSizing.rdmaSizeHint(c, hb, topology)));
    }

    /**
     * @return the dispatch config (defaults for the topology with the scenario's first SM count).
     */
    public KernelConfig dispatchConfig() {
        return DefaultConfigs.forTopology(topology, numSms, false);
    }

    /**
     * @return the combine config.
     */
    public KernelConfig combineConfig() {
        return DefaultConfigs.forTopology(topology, numSms, true);
    }

    /**
     * Opens a group on {@code backend}, runs every rank, closes the group.
     *
     * @param backend an opened backend.
     * @return per-rank tensors, by rank.
     */
    public List<RankTensors> run(final Backend backend) {
        try (LocalCluster cluster = LocalCluster.open(backend, new GroupSpec(topology, bufferSpec()))) {
            return cluster.run(buf -> lowLatency() ? runLowLatency(buf) : runNormal(buf));
        }
    }

    /**
     * @param rank a rank.
     * @return its BF16 token data [T, H]: N(0,1) values from stream {@link #STREAM_X}, substream rank.
     */
    public HostTensor tokens(final int rank) {
        final int t = w.tokensPerRank();
        final int h = w.hidden();
        final RandomStream rnd = RandomStream.of(scenario.scenario().seed(), STREAM_X, rank);
        final HostTensor x = HostTensor.zeros(DType.BF16, t, h);
        for (long i = 0; i < (long) t * h; i++) {
            x.setShort(i, Bf16.fromFloat((float) rnd.nextGaussian()));
        }
        return x;
    }

    /**
     * @param rank a rank.
     * @return its routing (top-k INT64 [T, K], weights FLOAT32 [T, K]).
     */
    public GeneratedRouting routing(final int rank) {
        final RoutingConfig rc = scenario.scenario().routing();
        final long seed = scenario.scenario().seed();
        RoutingSpec spec = indexSpec();
        if (rc.type() != dev.ep4j.api.config.RoutingType.TRACE) {
            spec = spec.withWeights(WeightMode.ABS_NORMAL, 0);
        }
        final GeneratedRouting r = Routing.generate(spec, rank, w.tokensPerRank(), w.experts(), w.topK(), topology,
            NpyTraceStore.INSTANCE);
        if (r.hasWeights()) {
            return r;
        }
        return new GeneratedRouting(r.topkIdx(), Routing.weights(WeightMode.ABS_NORMAL, 0, seed, rank,
            w.tokensPerRank(), w.topK()));
    }

    /**
     * The top-k indices of {@link #routing(int)} without drawing weights or token data: all the timing models need.
     * Equal to {@code routing(rank).topkIdx()} (indices and weights come from separate random streams).
     *
     * @param rank a rank.
     * @return its top-k INT64 [T, K] (-1 where masked).
     */
    public HostTensor topkIdx(final int rank) {
        return Routing.generate(indexSpec(), rank, w.tokensPerRank(), w.experts(), w.topK(), topology,
            NpyTraceStore.INSTANCE).topkIdx();
    }

    /** The index generator of this scenario (group limit, sorting and masking as DeepEP's tests), no weights. */
    private RoutingSpec indexSpec() {
        final RoutingConfig rc = scenario.scenario().routing();
        final long seed = scenario.scenario().seed();
        RoutingSpec spec;
        switch (rc.type()) {
            case GROUP_LIMITED:
                spec = RoutingSpec.groupLimited(seed, Math.min(w.numTopkGroups(), topology.nodes()));
                break;
            case ZIPF:
                spec = RoutingSpec.zipf(seed, rc.zipfExponent());
                break;
            case TRACE:
                spec = RoutingSpec.trace(rc.tracePath());
                break;
            default:
                spec = RoutingSpec.uniform(seed);
        }
        if (rc.type() != dev.ep4j.api.config.RoutingType.TRACE && lowLatency()) {
            spec = spec.withSorted(true).withMaskedEntries(Math.min(LL_MASKED, w.tokensPerRank() * w.topK()));
        }
        return spec;
    }

    private RankTensors runNormal(final EpBuffer buf) {
        final int me = buf.rank();
        final RankTensors out = new RankTensors(me);
        final HostTensor x = tokens(me);
        final GeneratedRouting routing = routing(me);
        final DispatchLayoutResult layout = buf.dispatchLayout(routing.topkIdx(), w.experts());
        final DispatchRequest.Builder req;
        if (w.dispatchDtype() == DispatchDtype.FP8) {
            final Fp8Tensor q = Fp8Quantizer.quantize(x, false, false);
            req = DispatchRequest.builder(q.data()).scales(q.scales());
            out.put("x", q.data());
            out.put("x_scales", q.scales());
        } else {
            req = DispatchRequest.builder(x);
            out.put("x", x);
        }
        out.put("topk_idx", routing.topkIdx());
        out.put("topk_weights", routing.topkWeights());
        out.put("num_tokens_per_rank", layout.numTokensPerRank());
        out.put("num_tokens_per_rdma_rank", layout.numTokensPerNode());
        out.put("num_tokens_per_expert", layout.numTokensPerExpert());
        out.put("is_token_in_rank", layout.isTokenInRank());
        final DispatchResult d = buf.dispatch(req.topk(routing.topkIdx(), routing.topkWeights()).layout(layout)
            .config(dispatchConfig()).build());
        out.put("recv_x", d.recvX());
        out.put("recv_x_scales", d.recvXScales());
        out.put("recv_topk_idx", d.recvTopkIdx());
        out.put("recv_topk_weights", d.recvTopkWeights());
        final HostTensor perExpert = HostTensor.zeros(DType.INT32, d.numRecvTokensPerExpert().length);
        for (int i = 0; i < d.numRecvTokensPerExpert().length; i++) {
            perExpert.setInt(i, d.numRecvTokensPerExpert()[i]);
        }
        out.put("num_recv_tokens_per_expert", perExpert);
        handle(out, d);
        final HostTensor expertOut = asBf16(d);
        final CombineResult c = buf.combine(CombineRequest.of(expertOut, d.handle())
            .withWeights(d.recvTopkWeights()).withConfig(combineConfig()));
        out.put("combined_x", c.combinedX());
        out.put("combined_topk_weights", c.combinedTopkWeights());
        return out;
    }

    private static void handle(final RankTensors out, final DispatchResult d) {
        if (d.handle() instanceof IntranodeHandle) {
            final IntranodeHandle h = (IntranodeHandle) d.handle();
            out.put("rank_prefix_matrix", h.rankPrefixMatrix());
            out.put("channel_prefix_matrix", h.channelPrefixMatrix());
            out.put("recv_channel_prefix_matrix", h.recvChannelPrefixMatrix());
            out.put("recv_src_idx", h.recvSrcIdx());
            out.put("send_head", h.sendHead());
        } else {
            final InternodeHandle h = (InternodeHandle) d.handle();
            out.put("rdma_channel_prefix_matrix", h.rdmaChannelPrefixMatrix());
            out.put("gbl_channel_prefix_matrix", h.gblChannelPrefixMatrix());
            out.put("recv_rdma_channel_prefix_matrix", h.recvRdmaChannelPrefixMatrix());
            out.put("recv_rdma_rank_prefix_sum", h.recvRdmaRankPrefixSum());
            out.put("recv_gbl_channel_prefix_matrix", h.recvGblChannelPrefixMatrix());
            out.put("recv_gbl_rank_prefix_sum", h.recvGblRankPrefixSum());
            out.put("recv_src_meta", h.recvSrcMeta());
            out.put("send_rdma_head", h.sendRdmaHead());
            out.put("send_nvl_head", h.sendNvlHead());
        }
    }

    /**
     * The expert's output for combine: the received rows as BF16 (dequantized when FP8, row by row, so no float32
     * copy of the whole tensor is made).
     */
    static HostTensor asBf16(final DispatchResult d) {
        final HostTensor recv = d.recvX().hostView();
        if (recv.dtype() == DType.BF16) {
            return recv;
        }
        final HostTensor scales = d.recvXScales().hostView();
        final int rows = (int) recv.dim(0);
        final int h = (int) recv.dim(1);
        final int groups = h / Fp8Quantizer.GROUP;
        final byte[] codes = new byte[h];
        final float[] s = new float[groups];
        final float[] row = new float[h];
        final short[] bf = new short[h];
        final HostTensor out = HostTensor.zeros(DType.BF16, rows, h);
        for (int r = 0; r < rows; r++) {
            recv.buffer().get(r * h, codes);
            for (int g = 0; g < groups; g++) {
                s[g] = scales.getFloat((long) r * groups + g);
            }
            Fp8Quantizer.dequantizeRow(codes, 0, h, s, 0, row, 0);
            Bf16.fromFloat(row, 0, bf, 0, h);
            out.buffer().asShortBuffer().put(r * h, bf);
        }
        return out;
    }

    private RankTensors runLowLatency(final EpBuffer buf) {
        final int me = buf.rank();
        final RankTensors out = new RankTensors(me);
        final HostTensor x = tokens(me);
        final GeneratedRouting routing = routing(me);
        out.put("x", x);
        out.put("topk_idx", routing.topkIdx());
        out.put("topk_weights", routing.topkWeights());
        buf.cleanLowLatencyBuffer(w.tokensPerRank(), w.hidden(), w.experts());
        final boolean fp8 = w.dispatchDtype() == DispatchDtype.FP8;
        final LowLatencyDispatchResult d = buf.lowLatencyDispatch(LowLatencyDispatchRequest.of(x, routing.topkIdx(),
            w.tokensPerRank(), w.experts()).withCast(fp8, false, false));
        out.put("packed_recv_x", d.recvX());
        out.put("packed_recv_x_scales", d.recvXScales());
        out.put("packed_recv_count", d.recvCount());
        out.put("packed_recv_src_info", d.handle().srcInfo());
        out.put("packed_recv_layout_range", d.handle().layoutRange());
        final HostTensor expertOut = fp8 ? LowLatencyRows.dequantize(d) : d.recvX().hostView();
        final LowLatencyCombineResult c = buf.lowLatencyCombine(new LowLatencyCombineRequest(expertOut,
            routing.topkIdx(), routing.topkWeights(), d.handle(), w.combineDtype() == CombineDtype.LOGFMT10, false,
            false));
        out.put("ll_combined_x", c.combinedX());
        return out;
    }
}
