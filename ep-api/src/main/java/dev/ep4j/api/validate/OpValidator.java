package dev.ep4j.api.validate;

import static dev.ep4j.api.validate.Checks.absent;
import static dev.ep4j.api.validate.Checks.dims;
import static dev.ep4j.api.validate.Checks.dtype;
import static dev.ep4j.api.validate.Checks.positive;
import static dev.ep4j.api.validate.Checks.present;
import static dev.ep4j.api.validate.Checks.shape;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.error.BufferTooSmallException;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.BufferSizing.BufferNeed;
import dev.ep4j.api.kernel.DefaultConfigs;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.kernel.LowLatencyLayout;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.DispatchHandle;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.InternodeHandle;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;

/**
 * Validation of every operation's arguments, run by every backend before any work so that bad input fails the same
 * way everywhere: {@link InvalidInputException} for malformed tensors and values, {@link ConfigException} for
 * configs and modes, {@link BufferTooSmallException} when the buffer cannot hold the call. Nothing is modified.
 *
 * <p>Values (expert ids) are checked when the tensor is host-readable ({@link Tensor#hostView()} not null); device
 * tensors are checked for dtype and shape only. Stateless and thread-safe.
 */
public final class OpValidator {
    /** Largest top-k of normal mode (DeepEP's limit). */
    public static final int MAX_TOPK = 32;
    /** Largest top-k of low-latency mode (DeepEP's limit: 11 send warps plus one counting warp). */
    public static final int MAX_TOPK_LOW_LATENCY = 11;
    /** Largest number of experts per rank (the host-mapped per-expert counters). */
    public static final int MAX_LOCAL_EXPERTS = 1024;

    private OpValidator() {
    }

    /**
     * Resolves the config a normal call runs with: the given one, or the default for the topology
     * ({@link DefaultConfigs#forTopology}) with {@value KernelConfig#DEFAULT_NUM_SMS} SMs.
     *
     * @param given    the request's config or null.
     * @param topology the group.
     * @param combine  true for the combine table.
     * @return the config.
     */
    public static KernelConfig configFor(final KernelConfig given, final Topology topology, final boolean combine) {
        if (given != null) {
            return given;
        }
        return DefaultConfigs.forTopology(topology, KernelConfig.DEFAULT_NUM_SMS, combine);
    }

    /**
     * Checks {@code dispatchLayout} arguments.
     *
     * @param topkIdx    INT64/INT32 [T, K].
     * @param numExperts E.
     * @param topology   the group.
     */
    public static void validateLayout(final Tensor topkIdx, final int numExperts, final Topology topology) {
        experts(numExperts, topology);
        topk("topk_idx", topkIdx, -1, MAX_TOPK, numExperts);
    }

    /**
     * Checks a normal dispatch.
     *
     * @param req      the request.
     * @param topology the group.
     * @param spec     the buffer.
     * @return the config the call runs with.
     */
    public static KernelConfig validateDispatch(final DispatchRequest req, final Topology topology,
        final BufferSpec spec) {
        final Tensor x = present("x", req.x());
        dtype("x", x, DType.BF16, DType.FP8_E4M3);
        dims("x", x, 2);
        final long t = x.dim(0);
        final long h = x.dim(1);
        positive("x hidden size (x.shape[1])", h);
        final long rowBytes = h * x.dtype().byteSize();
        if (rowBytes % 16 != 0) {
            throw new InvalidInputException("x row is " + rowBytes + " bytes (hidden " + h + " x " + x.dtype()
                + "); rows must be a multiple of 16 bytes");
        }
        final int scaleWords = scales(req.xScales(), x, t, h);
        if (req.expertAlignment() < 1) {
            throw new InvalidInputException("expertAlignment=" + req.expertAlignment() + " must be >= 1");
        }
        if (req.numWorstTokens() < 0) {
            throw new InvalidInputException("numWorstTokens=" + req.numWorstTokens()
                + " must be >= 0 (0 = exact allocation after a host sync)");
        }
        int topK = 0;
        if (req.isCached()) {
            absent("topkIdx", req.topkIdx(), "for a cached dispatch: the handle fixes the routing");
            absent("topkWeights", req.topkWeights(), "for a cached dispatch: the handle fixes the routing");
            handle(req.cachedHandle(), topology, t);
            if (req.config() != null && req.config().channels() != req.cachedHandle().config().channels()) {
                throw new ConfigException("cached dispatch config has numSms=" + req.config().numSms()
                    + " but the handle's dispatch ran with numSms=" + req.cachedHandle().config().numSms()
                    + "; a cached dispatch repeats the same channels: pass the same numSms or no config");
            }
        } else {
            final DispatchLayoutResult layout = req.layout();
            if (layout == null) {
                throw new InvalidInputException("layout is null; call dispatchLayout(topkIdx, numExperts) first and "
                    + "pass its result, or pass a cached handle");
            }
            final long e = layout(layout, topology, t);
            if ((req.topkIdx() == null) != (req.topkWeights() == null)) {
                throw new InvalidInputException("topkIdx and topkWeights must be given together (topkIdx "
                    + (req.topkIdx() == null ? "null" : "given") + ", topkWeights "
                    + (req.topkWeights() == null ? "null" : "given") + ")");
            }
            if (req.topkIdx() != null) {
                topK = topk("topkIdx", req.topkIdx(), t, MAX_TOPK, (int) e);
                weights("topkWeights", req.topkWeights(), t, topK);
            }
        }
        final KernelConfig config = configFor(req.config(), topology, false);
        final BufferNeed need;
        if (topology.isInternode()) {
            need = BufferSizing.internodeNeed(config, topology,
                BufferSizing.internodeDispatchRecordBytes(rowBytes, scaleWords, topK));
        } else {
            need = new BufferNeed(BufferSizing.intranodeDispatchNvlNeed(config, topology.ranks(), rowBytes, topK,
                scaleWords), 0);
        }
        fits(need, spec, config, "dispatch");
        return config;
    }

    /**
     * Checks a normal combine.
     *
     * @param req      the request.
     * @param topology the group.
     * @param spec     the buffer.
     * @return the config the call runs with.
     */
    public static KernelConfig validateCombine(final CombineRequest req, final Topology topology,
        final BufferSpec spec) {
        final DispatchHandle handle = req.handle();
        if (handle == null) {
            throw new InvalidInputException("handle is null; pass the handle returned by dispatch");
        }
        handle(handle, topology, handle.numTokens());
        final Tensor x = present("x", req.x());
        dtype("x", x, DType.BF16);
        dims("x", x, 2);
        shape("x", x, handle.recvRows(), -1);
        final long h = x.dim(1);
        positive("x hidden size (x.shape[1])", h);
        if ((h * 2) % 16 != 0) {
            throw new InvalidInputException("x row is " + h * 2 + " bytes; rows must be a multiple of 16 bytes");
        }
        int topK = 0;
        if (req.topkWeights() != null) {
            dtype("topkWeights", req.topkWeights(), DType.FLOAT32);
            dims("topkWeights", req.topkWeights(), 2);
            topK = (int) req.topkWeights().dim(1);
            shape("topkWeights", req.topkWeights(), handle.recvRows(), -1);
            if (topK < 1 || topK > MAX_TOPK) {
                throw new InvalidInputException("topkWeights has " + topK + " columns; top-k must be in [1, "
                    + MAX_TOPK + "]");
            }
        }
        if (req.bias1() != null && req.bias0() == null) {
            throw new InvalidInputException("bias1 given without bias0; pass the single bias as bias0");
        }
        for (final String name : new String[] {"bias0", "bias1"}) {
            final Tensor b = "bias0".equals(name) ? req.bias0() : req.bias1();
            if (b != null) {
                dtype(name, b, DType.BF16);
                shape(name, b, handle.numTokens(), h);
            }
        }
        final KernelConfig config = configFor(req.config(), topology, true);
        if (config.channels() != handle.config().channels()) {
            throw new ConfigException("combine config has " + config.channels() + " channels (numSms="
                + config.numSms() + ") but the dispatch ran with " + handle.config().channels()
                + " (numSms=" + handle.config().numSms() + "); use the same numSms");
        }
        final BufferNeed need;
        if (topology.isInternode()) {
            config.validateForInternodeCombine(topology.nodes());
            need = BufferSizing.internodeNeed(config, topology,
                BufferSizing.internodeCombineRecordBytes((int) h, topK));
        } else {
            need = new BufferNeed(BufferSizing.intranodeCombineNvlNeed(config, topology.ranks(), (int) h, topK), 0);
        }
        fits(need, spec, config, "combine");
        return config;
    }

    /**
     * Checks a low-latency dispatch.
     *
     * @param req      the request.
     * @param topology the group.
     * @param spec     the buffer.
     */
    public static void validateLowLatencyDispatch(final LowLatencyDispatchRequest req, final Topology topology,
        final BufferSpec spec) {
        lowLatencyMode(spec);
        final Tensor x = present("x", req.x());
        dtype("x", x, DType.BF16);
        dims("x", x, 2);
        final long t = x.dim(0);
        final int h = (int) x.dim(1);
        lowLatencyShape(req.maxTokensPerRank(), h, t, topology);
        final int e = req.numExperts();
        experts(e, topology);
        if (req.roundScale() && !req.useFp8()) {
            throw new InvalidInputException("roundScale=true requires useFp8=true");
        }
        if (req.useUe8m0() && !req.roundScale()) {
            throw new InvalidInputException("useUe8m0=true requires roundScale=true (UE8M0 stores power-of-two "
                + "scales)");
        }
        if (req.useUe8m0() && h % 512 != 0) {
            throw new InvalidInputException("hidden=" + h + " must be a multiple of 512 for UE8M0 (4 scales per "
                + "int32)");
        }
        topk("topkIdx", req.topkIdx(), t, MAX_TOPK_LOW_LATENCY, e);
        final int local = e / topology.ranks();
        if (spec.numQpsPerRank() < local) {
            throw new ConfigException("numQpsPerRank=" + spec.numQpsPerRank() + " < local experts " + local
                + " (E=" + e + " / R=" + topology.ranks() + "); low-latency mode needs one QP per local expert: "
                + "raise numQpsPerRank");
        }
        if (req.cumulativeLocalExpertRecvStats() != null) {
            dtype("cumulativeLocalExpertRecvStats", req.cumulativeLocalExpertRecvStats(), DType.INT32);
            shape("cumulativeLocalExpertRecvStats", req.cumulativeLocalExpertRecvStats(), local);
        }
        lowLatencyFits(req.maxTokensPerRank(), h, e, spec);
    }

    /**
     * Checks a low-latency combine.
     *
     * @param req      the request.
     * @param topology the group.
     * @param spec     the buffer.
     */
    public static void validateLowLatencyCombine(final LowLatencyCombineRequest req, final Topology topology,
        final BufferSpec spec) {
        lowLatencyMode(spec);
        final LowLatencyHandle handle = req.handle();
        if (handle == null) {
            throw new InvalidInputException("handle is null; pass the handle returned by lowLatencyDispatch");
        }
        if (req.zeroCopy() && req.useLogfmt()) {
            throw new InvalidInputException("zeroCopy and useLogfmt are mutually exclusive: zero-copy rows are "
                + "already raw BF16 in the send area");
        }
        final int local = handle.numExperts() / topology.ranks();
        final long rows = (long) topology.ranks() * handle.maxTokensPerRank();
        if (!req.zeroCopy()) {
            final Tensor x = present("x", req.x());
            dtype("x", x, DType.BF16);
            shape("x", x, local, rows, handle.hidden());
        }
        final Tensor idx = present("topkIdx", req.topkIdx());
        dims("topkIdx", idx, 2);
        final long t = idx.dim(0);
        lowLatencyShape(handle.maxTokensPerRank(), handle.hidden(), t, topology);
        final int k = topk("topkIdx", idx, t, MAX_TOPK_LOW_LATENCY, handle.numExperts());
        weights("topkWeights", req.topkWeights(), t, k);
        lowLatencyFits(handle.maxTokensPerRank(), handle.hidden(), handle.numExperts(), spec);
    }

    private static void lowLatencyMode(final BufferSpec spec) {
        if (!spec.lowLatencyMode()) {
            throw new ConfigException("this buffer was created with lowLatencyMode=false; create it with "
                + "BufferSpec.lowLatency(...) to use the low-latency kernels");
        }
    }

    private static void lowLatencyShape(final int maxTokens, final int h, final long t, final Topology topology) {
        if (maxTokens <= 0) {
            throw new InvalidInputException("maxTokensPerRank=" + maxTokens + " must be > 0");
        }
        if (t > maxTokens) {
            throw new InvalidInputException("tokens=" + t + " exceeds maxTokensPerRank=" + maxTokens
                + "; raise maxTokensPerRank (identically on every rank) or split the batch");
        }
        if (h <= 0 || h % 128 != 0) {
            throw new InvalidInputException("hidden=" + h + " must be a positive multiple of 128 (FP8 scale groups)");
        }
        if ((long) topology.ranks() * maxTokens % 4 != 0) {
            throw new InvalidInputException("ranks x maxTokensPerRank = " + (long) topology.ranks() * maxTokens
                + " must be a multiple of 4 (token-contiguous scale layout); raise maxTokensPerRank");
        }
    }

    private static void lowLatencyFits(final int maxTokens, final int h, final int e, final BufferSpec spec) {
        final long need = LowLatencyLayout.of(maxTokens, h, e).totalBytes();
        if (spec.rdmaBufferBytes() < need) {
            throw new BufferTooSmallException("low-latency RDMA buffer", need, spec.rdmaBufferBytes(),
                "size it with BufferSizing.lowLatencySizeHint(" + maxTokens + ", " + h + ", R, " + e + ")");
        }
    }

    private static void experts(final int numExperts, final Topology topology) {
        if (numExperts <= 0) {
            throw new InvalidInputException("numExperts=" + numExperts + " must be > 0");
        }
        if (numExperts % topology.ranks() != 0) {
            throw new InvalidInputException("numExperts=" + numExperts + " is not divisible by ranks="
                + topology.ranks() + "; every rank must hold the same number of experts");
        }
        if (numExperts / topology.ranks() > MAX_LOCAL_EXPERTS) {
            throw new InvalidInputException("numExperts=" + numExperts + " gives " + numExperts / topology.ranks()
                + " experts per rank; at most " + MAX_LOCAL_EXPERTS + " are supported");
        }
    }

    /** Checks a top-k index tensor; returns K. {@code tokens < 0} accepts any row count. */
    private static int topk(final String name, final Tensor idx, final long tokens, final int maxK,
        final int numExperts) {
        present(name, idx);
        dtype(name, idx, DType.INT64, DType.INT32);
        dims(name, idx, 2);
        if (tokens >= 0) {
            shape(name, idx, tokens, -1);
        }
        final long k = idx.dim(1);
        if (k < 1 || k > maxK) {
            throw new InvalidInputException(name + " has " + k + " columns; top-k must be in [1, " + maxK + "]");
        }
        final HostTensor host = idx.hostView();
        if (host != null) {
            final long rows = host.dim(0);
            final long[] row = new long[(int) k];
            for (long t = 0; t < rows; t++) {
                for (int j = 0; j < k; j++) {
                    final long v = host.getIntegral(t * k + j);
                    if (v < -1 || v >= numExperts) {
                        throw new InvalidInputException(name + "[" + t + "][" + j + "]=" + v + " is outside [-1, "
                            + numExperts + "); expert ids run from 0 to numExperts-1, -1 marks no selection");
                    }
                    if (v >= 0) {
                        for (int i = 0; i < j; i++) {
                            if (row[i] == v) {
                                throw new InvalidInputException(name + "[" + t + "] selects expert " + v
                                    + " twice (columns " + i + " and " + j + "); a row must hold distinct experts");
                            }
                        }
                    }
                    row[j] = v;
                }
            }
        }
        return (int) k;
    }

    private static void weights(final String name, final Tensor w, final long tokens, final int k) {
        present(name, w);
        dtype(name, w, DType.FLOAT32);
        shape(name, w, tokens, k);
    }

    /** Checks FP8 scales against x; returns the 4-byte scale words per token. */
    private static int scales(final Tensor s, final Tensor x, final long t, final long h) {
        if (x.dtype() == DType.BF16) {
            absent("xScales", s, "for BF16 x (scales travel only with FP8 data)");
            return 0;
        }
        if (h % 128 != 0) {
            throw new InvalidInputException("hidden=" + h + " must be a multiple of 128 for FP8 x (one scale per "
                + "128 channels)");
        }
        if (s == null) {
            throw new InvalidInputException("xScales is null but x is FP8; pass FLOAT32 [T, H/128] or INT32 "
                + "[T, H/512] (UE8M0) scales");
        }
        dtype("xScales", s, DType.FLOAT32, DType.INT32);
        final long words = s.dtype() == DType.FLOAT32 ? h / 128 : (h / 128 + 3) / 4;
        shape("xScales", s, t, words);
        return (int) words;
    }

    /** Checks the layout tensors against the topology and T; returns E. */
    private static long layout(final DispatchLayoutResult l, final Topology topology, final long t) {
        final int r = topology.ranks();
        final Tensor perRank = present("layout.numTokensPerRank", l.numTokensPerRank());
        dtype("layout.numTokensPerRank", perRank, DType.INT32);
        shape("layout.numTokensPerRank", perRank, r);
        final Tensor in = present("layout.isTokenInRank", l.isTokenInRank());
        dtype("layout.isTokenInRank", in, DType.BOOL);
        shape("layout.isTokenInRank", in, t, r);
        final Tensor perExpert = present("layout.numTokensPerExpert", l.numTokensPerExpert());
        dtype("layout.numTokensPerExpert", perExpert, DType.INT32);
        dims("layout.numTokensPerExpert", perExpert, 1);
        experts((int) perExpert.dim(0), topology);
        if (topology.isInternode()) {
            final Tensor perNode = present("layout.numTokensPerNode", l.numTokensPerNode());
            dtype("layout.numTokensPerNode", perNode, DType.INT32);
            shape("layout.numTokensPerNode", perNode, topology.nodes());
        }
        return perExpert.dim(0);
    }

    private static void handle(final DispatchHandle handle, final Topology topology, final long t) {
        if (handle.numTokens() != t) {
            throw new InvalidInputException("x has " + t + " tokens but the handle's dispatch had "
                + handle.numTokens() + "; a cached dispatch must send the same tokens");
        }
        final boolean internodeHandle = handle instanceof InternodeHandle;
        if (internodeHandle != topology.isInternode()) {
            throw new InvalidInputException("handle is " + (internodeHandle ? "internode" : "intranode")
                + " but the group " + topology + " is " + (topology.isInternode() ? "internode" : "intranode")
                + "; pass a handle produced by this buffer");
        }
        shape("handle.isTokenInRank", handle.isTokenInRank(), t, topology.ranks());
    }

    private static void fits(final BufferNeed need, final BufferSpec spec, final KernelConfig config,
        final String op) {
        if (need.nvlBytes() > spec.nvlBufferBytes()) {
            throw new BufferTooSmallException("NVL buffer", need.nvlBytes(), spec.nvlBufferBytes(), op + " with "
                + config + " needs more: raise nvlBufferBytes to >= " + need.nvlBytes()
                + " or lower nvlRecvTokens/numSms");
        }
        if (need.rdmaBytes() > spec.rdmaBufferBytes()) {
            throw new BufferTooSmallException("RDMA buffer", need.rdmaBytes(), spec.rdmaBufferBytes(), op + " with "
                + config + " needs more: raise rdmaBufferBytes to >= " + need.rdmaBytes()
                + " or lower rdmaRecvTokens/numSms");
        }
    }
}
