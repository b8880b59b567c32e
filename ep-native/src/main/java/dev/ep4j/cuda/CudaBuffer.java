package dev.ep4j.cuda;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.EpTimeoutException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.api.validate.OpValidator;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank's buffer of a {@link CudaGroup}: the intranode normal-mode operations on the GPU (semantics.md section 4,
 * docs/semantics.md). Every operation validates with {@link OpValidator} first (a failed validation leaves the
 * buffer usable), then enqueues its kernels on the rank's stream and, outside graph capture, waits for them.
 *
 * <p>Inputs may be {@link HostTensor}s (uploaded to temporaries on the rank's stream and freed) or
 * {@link DeviceTensor}s of the rank's GPU (used in place). Every output is a {@link DeviceTensor} owned by the group
 * (freed when the group closes, or earlier by {@link DeviceTensor#close()}); read it with
 * {@link Tensor#toHost()}.
 *
 * <p>Timeouts: every wait inside the kernels gives up after {@link BufferSpec#timeout()}; the call then throws
 * {@link EpTimeoutException} naming this rank, the peer it waited for, the channel and the phase, and the buffer is
 * unusable ({@link #isUsable()} false, every call throws) until {@link #reset()} has been called on every rank of
 * the group. The JVM and the CUDA context survive.
 *
 * <p>CUDA graphs: {@link #capture(Runnable)} records the operations its body calls on this buffer (device inputs
 * only; dispatch with {@code numWorstTokens > 0}, since exact allocation needs a host sync) into a replayable graph.
 *
 * <p>Not thread-safe: one thread per rank (as {@link EpBuffer} says); {@link #reset()} and close come from the
 * group.
 */
public final class CudaBuffer implements EpBuffer {
    private static final String[] PHASES = {
        "unknown", "dispatch notify barrier", "cached dispatch notify barrier",
        "dispatch send (waiting for ring space)",
        "dispatch receive (waiting for channel offsets)", "dispatch receive (waiting for data)", "combine barrier",
        "combine send (waiting for ring space)", "combine receive (waiting for data)",
    };

    private final CudaGroup group;
    private final int rank;
    private final long ctx;
    private final long stream;
    private final int device;
    private final long[] events = new long[2];
    private volatile boolean closed;
    private volatile boolean usable = true;
    private volatile String unusableReason = "";
    private boolean capturing;
    private List<DeviceTensor> captured;

    CudaBuffer(final CudaGroup group, final int rank, final long ctx, final long stream, final int device) {
        this.group = group;
        this.rank = rank;
        this.ctx = ctx;
        this.stream = stream;
        this.device = device;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public Topology topology() {
        return group.topology();
    }

    @Override
    public BufferSpec spec() {
        return group.spec();
    }

    /**
     * @return the group this buffer belongs to.
     */
    public CudaGroup group() {
        return group;
    }

    /**
     * @return the rank's {@code cudaStream_t} (non-blocking), where all its kernels run.
     */
    public long stream() {
        return stream;
    }

    /**
     * @return the rank's GPU.
     */
    public int device() {
        return device;
    }

    /**
     * @return false after a timeout, until {@link #reset()}.
     */
    public boolean isUsable() {
        return usable;
    }

    /**
     * Makes the buffer usable again after a timeout: waits for the rank's stream, clears its abort flag, barrier
     * signals and host record. Call it on every rank of the group (e.g. {@link CudaGroup#reset()}) once no rank has
     * a call in flight, so that the next collective starts from balanced signals everywhere.
     */
    public void reset() {
        open();
        Cuda.setDevice(device);
        NativeErrors.check(Ep4jKernels.ep4j_intra_reset(ctx), "CudaBuffer.reset");
        usable = true;
        unusableReason = "";
    }

    // ---------------------------------------------------------------------------------------------- layout

    @Override
    public DispatchLayoutResult dispatchLayout(final Tensor topkIdx, final int numExperts) {
        ready();
        OpValidator.validateLayout(topkIdx, numExperts, topology());
        Cuda.setDevice(device);
        final int ranks = topology().ranks();
        final long tokens = topkIdx.dim(0);
        try (Temps tmp = new Temps()) {
            final DeviceTensor idx = tmp.dev(topkIdx, "topkIdx");
            final DeviceTensor perRank = out(DType.INT32, ranks);
            final DeviceTensor perExpert = out(DType.INT32, numExperts);
            final DeviceTensor inRank = out(DType.BOOL, tokens, ranks);
            NativeErrors.check(Ep4jKernels.ep4j_layout(idx.address(), idx.dtype().byteSize(), tokens,
                (int) topkIdx.dim(1), numExperts, ranks, topology().gpusPerNode(), perRank.address(), 0L,
                perExpert.address(), inRank.address(), stream), "CudaBuffer.dispatchLayout");
            finish("dispatchLayout");
            return new DispatchLayoutResult(perRank, null, perExpert, inRank, OpStats.untimed("dispatchLayout"));
        }
    }

    // ---------------------------------------------------------------------------------------------- dispatch

    @Override
    public DispatchResult dispatch(final DispatchRequest req) {
        ready();
        final KernelConfig validated = OpValidator.validateDispatch(req, topology(), spec());
        final boolean cached = req.isCached();
        final IntranodeHandle handle = cached ? (IntranodeHandle) req.cachedHandle() : null;
        final KernelConfig cfg = cached && req.config() == null ? handle.config() : validated;
        group.checkResidency(cfg, "dispatch");
        if (capturing && !cached && req.numWorstTokens() == 0) {
            throw new InvalidInputException("dispatch inside CUDA graph capture needs numWorstTokens > 0: exact "
                + "allocation waits on the host for the received count");
        }
        Cuda.setDevice(device);
        final int ranks = topology().ranks();
        final Tensor x = req.x();
        final int tokens = (int) x.dim(0);
        final long hidden = x.dim(1);
        final long hiddenBytes = hidden * x.dtype().byteSize();
        final Tensor scales = req.xScales();
        final int scaleWords = scales == null ? 0 : (int) scales.dim(1);
        final int topK = cached || req.topkIdx() == null ? 0 : (int) req.topkIdx().dim(1);
        final int channels = cfg.channels();
        final int worst = req.numWorstTokens();
        final List<DeviceTensor> outputs = new ArrayList<>();
        try (Temps tmp = new Temps()) {
            final DeviceTensor dx = tmp.dev(x, "x");
            final DeviceTensor dScales = tmp.dev(scales, "xScales");
            final DeviceTensor dIdx = tmp.dev(cached ? null : req.topkIdx(), "topkIdx");
            final DeviceTensor dW = tmp.dev(cached ? null : req.topkWeights(), "topkWeights");
            final DeviceTensor inRank;
            final DeviceTensor rpm;
            final DeviceTensor cpm;
            final int experts;
            final int[] perExpert;
            long rows;
            long numRecv;
            startTiming();
            if (cached) {
                inRank = tmp.dev(handle.isTokenInRank(), "handle.isTokenInRank");
                rpm = tmp.dev(handle.rankPrefixMatrix(), "handle.rankPrefixMatrix");
                cpm = tmp.dev(handle.channelPrefixMatrix(), "handle.channelPrefixMatrix");
                experts = 0;
                perExpert = new int[0];
                NativeErrors.check(Ep4jKernels.ep4j_intra_cached_notify(ctx, rpm.address(), channels,
                    cfg.nvlRecvTokens(), hiddenBytes, topK, scaleWords), "CudaBuffer.dispatch");
                numRecv = handle.numRecvTokens();
                rows = worst > 0 ? worst : numRecv;
            } else {
                inRank = tmp.dev(req.layout().isTokenInRank(), "layout.isTokenInRank");
                final DeviceTensor perExpertIn = tmp.dev(req.layout().numTokensPerExpert(),
                    "layout.numTokensPerExpert");
                experts = (int) perExpertIn.dim(0);
                cpm = collect(outputs, out(DType.INT32, ranks, channels));
                rpm = collect(outputs, out(DType.INT32, ranks, ranks));
                NativeErrors.check(Ep4jKernels.ep4j_intra_notify(ctx, inRank.address(), perExpertIn.address(), tokens,
                    experts, channels, req.expertAlignment(), worst, cfg.nvlRecvTokens(), hiddenBytes, topK,
                    scaleWords, cpm.address(), rpm.address(), capturing ? 0 : 1), "CudaBuffer.dispatch");
                final int local = experts / ranks;
                if (worst == 0) {
                    final int[] nr = new int[1];
                    final int[] counts = new int[Math.max(local, 1)];
                    final int rc = Ep4jKernels.ep4j_intra_wait_counts(ctx, hostTimeoutNs(), local, nr, counts);
                    if (rc != 0) {
                        closeAll(outputs);
                        throw waitFailed(rc, "dispatch");
                    }
                    numRecv = nr[0];
                    rows = numRecv;
                    perExpert = java.util.Arrays.copyOf(counts, local);
                } else {
                    numRecv = -1;
                    rows = worst;
                    perExpert = new int[0];
                }
            }
            final DeviceTensor recvX = collect(outputs, out(x.dtype(), rows, hidden));
            final DeviceTensor recvScales = scales == null ? null
                : collect(outputs, out(scales.dtype(), rows, scaleWords));
            final DeviceTensor recvIdx = topK == 0 ? null : collect(outputs, out(DType.INT64, rows, topK));
            final DeviceTensor recvW = topK == 0 ? null : collect(outputs, out(DType.FLOAT32, rows, topK));
            final DeviceTensor recvSrc = cached ? null : collect(outputs, out(DType.INT32, rows));
            final DeviceTensor rcpm = cached ? null : collect(outputs, out(DType.INT32, ranks, channels));
            final DeviceTensor sendHead = cached ? null : collect(outputs, out(DType.INT32, tokens, ranks));
            NativeErrors.check(Ep4jKernels.ep4j_intra_dispatch(ctx, dx.address(), hiddenBytes, addr(dScales),
                scaleWords, addr(dIdx), dIdx == null ? 8 : dIdx.dtype().byteSize(), addr(dW), topK, experts,
                inRank.address(), cpm.address(), tokens, channels, cfg.nvlRecvTokens(), cfg.nvlChunkTokens(), rows,
                recvX.address(), addr(recvScales), addr(recvIdx), addr(recvW), addr(recvSrc), addr(rcpm),
                addr(sendHead)), "CudaBuffer.dispatch");
            stopTiming();
            try {
                finish("dispatch");
            } catch (final RuntimeException e) {
                closeAll(outputs);
                throw e;
            }
            final long timeNs = capturing ? -1 : Math.round(lastMillis() * 1e6);
            if (!capturing) {
                final long[] rec = record();
                if (!cached && worst > 0) {
                    numRecv = rec[9];
                }
                final long overflow = rec[6] != 0 ? rec[7] : cached && worst > 0 && numRecv > worst ? numRecv : 0;
                if (overflow > 0) {
                    NativeErrors.check(Ep4jKernels.ep4j_intra_clear_overflow(ctx), "CudaBuffer.dispatch");
                    closeAll(outputs);
                    throw new InvalidInputException("rank " + rank + " receives " + overflow + " tokens but "
                        + "numWorstTokens=" + worst + "; raise numWorstTokens to at least " + overflow
                        + " (T x R is always enough)");
                }
            }
            final long recvBytes = Math.max(numRecv, 0) * (hiddenBytes + 4L * scaleWords);
            final OpStats stats = timeNs < 0 ? OpStats.untimed("dispatch")
                : new OpStats("dispatch", OpStats.TimeSource.MEASURED, timeNs, recvBytes, 0);
            if (cached) {
                return new DispatchResult(recvX, recvScales, null, null, new int[0], handle, stats);
            }
            // the handle keeps the layout's membership tensor as given (a host one is uploaded again when used)
            final IntranodeHandle h = new IntranodeHandle(rpm, cpm, rcpm, recvSrc, req.layout().isTokenInRank(),
                sendHead, tokens, numRecv, cfg);
            return new DispatchResult(recvX, recvScales, recvIdx, recvW, perExpert, h, stats);
        }
    }

    // ---------------------------------------------------------------------------------------------- combine

    @Override
    public CombineResult combine(final CombineRequest req) {
        ready();
        final KernelConfig cfg = OpValidator.validateCombine(req, topology(), spec());
        group.checkResidency(cfg, "combine");
        if (!(req.handle() instanceof IntranodeHandle)) {
            throw new InvalidInputException("combine needs the IntranodeHandle of a dispatch on this group");
        }
        final IntranodeHandle handle = (IntranodeHandle) req.handle();
        Cuda.setDevice(device);
        final int tokens = (int) handle.numTokens();
        final int hidden = (int) req.x().dim(1);
        final int topK = req.topkWeights() == null ? 0 : (int) req.topkWeights().dim(1);
        final List<DeviceTensor> outputs = new ArrayList<>();
        try (Temps tmp = new Temps()) {
            final DeviceTensor dx = tmp.dev(req.x(), "x");
            final DeviceTensor dW = tmp.dev(req.topkWeights(), "topkWeights");
            final DeviceTensor b0 = tmp.dev(req.bias0(), "bias0");
            final DeviceTensor b1 = tmp.dev(req.bias1(), "bias1");
            final DeviceTensor rpm = tmp.dev(handle.rankPrefixMatrix(), "handle.rankPrefixMatrix");
            final DeviceTensor rcpm = tmp.dev(handle.recvChannelPrefixMatrix(), "handle.recvChannelPrefixMatrix");
            final DeviceTensor sendHead = tmp.dev(handle.sendHead(), "handle.sendHead");
            final DeviceTensor outX = collect(outputs, out(DType.BF16, tokens, hidden));
            final DeviceTensor outW = topK == 0 ? null : collect(outputs, out(DType.FLOAT32, tokens, topK));
            startTiming();
            NativeErrors.check(Ep4jKernels.ep4j_intra_combine_notify(ctx, cfg.channels(), cfg.nvlRecvTokens(), hidden,
                topK), "CudaBuffer.combine");
            NativeErrors.check(Ep4jKernels.ep4j_intra_combine(ctx, dx.address(), addr(dW), topK, hidden, addr(b0),
                addr(b1), rpm.address(), rcpm.address(), sendHead.address(), tokens, cfg.channels(),
                cfg.nvlRecvTokens(), cfg.nvlChunkTokens(), outX.address(), addr(outW)), "CudaBuffer.combine");
            stopTiming();
            try {
                finish("combine");
            } catch (final RuntimeException e) {
                closeAll(outputs);
                throw e;
            }
            final long timeNs = capturing ? -1 : Math.round(lastMillis() * 1e6);
            final long bytes = handle.numRecvTokens() < 0 ? 0 : handle.numRecvTokens() * 2L * hidden;
            final OpStats stats = timeNs < 0 ? OpStats.untimed("combine")
                : new OpStats("combine", OpStats.TimeSource.MEASURED, timeNs, bytes, 0);
            return new CombineResult(outX, outW, stats);
        }
    }

    // ---------------------------------------------------------------------------------------------- low latency

    @Override
    public LowLatencyDispatchResult lowLatencyDispatch(final LowLatencyDispatchRequest req) {
        ready();
        OpValidator.validateLowLatencyDispatch(req, topology(), spec());
        throw lowLatencyMissing();
    }

    @Override
    public LowLatencyCombineResult lowLatencyCombine(final LowLatencyCombineRequest req) {
        ready();
        OpValidator.validateLowLatencyCombine(req, topology(), spec());
        throw lowLatencyMissing();
    }

    @Override
    public Tensor nextLowLatencyCombineBuffer(final LowLatencyHandle handle) {
        ready();
        throw lowLatencyMissing();
    }

    @Override
    public void cleanLowLatencyBuffer(final int maxTokensPerRank, final int hidden, final int numExperts) {
        ready();
        throw lowLatencyMissing();
    }

    private static EpException lowLatencyMissing() {
        return new EpException("low-latency mode is not implemented in the cuda backend yet; use the sim backend for "
            + "the low-latency kernels");
    }

    // ---------------------------------------------------------------------------------------------- graphs

    /**
     * Captures the operations {@code body} calls on this buffer (on this thread) into a CUDA graph on the rank's
     * stream. Inside the body: inputs must be {@link DeviceTensor}s, a fresh dispatch needs
     * {@code numWorstTokens > 0} (its handle's {@code numRecvTokens()} is then -1), nothing waits for the GPU and
     * nothing runs: the returned results hold device tensors that the graph's launches fill (their addresses stay
     * fixed for the graph's lifetime). Every rank captures its own graph; replay them together with
     * {@link CudaGraph#launch()} on every rank.
     *
     * @param body the operations to record.
     * @return the instantiated graph; close it to free the memory of the captured outputs.
     */
    public CudaGraph capture(final Runnable body) {
        ready();
        if (capturing) {
            throw new IllegalStateException("rank " + rank + " is already capturing");
        }
        Cuda.setDevice(device);
        NativeErrors.check(Ep4jKernels.ep4j_intra_sync(ctx), "CudaBuffer.capture");
        NativeErrors.check(Ep4jKernels.ep4j_stream_begin_capture(stream), "CudaBuffer.capture");
        capturing = true;
        captured = new ArrayList<>();
        final List<DeviceTensor> tensors = captured;
        final long[] ge = new long[2];
        try {
            body.run();
        } catch (final RuntimeException e) {
            capturing = false;
            captured = null;
            if (Ep4jKernels.ep4j_stream_end_capture(stream, ge) == 0) {
                Ep4jKernels.ep4j_graph_destroy(ge[0], ge[1]);
            }
            throw e;
        }
        capturing = false;
        captured = null;
        NativeErrors.check(Ep4jKernels.ep4j_stream_end_capture(stream, ge), "CudaBuffer.capture");
        return new CudaGraph(this, ge[0], ge[1], tensors);
    }

    /**
     * Waits for the rank's stream and turns a recorded timeout into {@link EpTimeoutException} (used after graph
     * launches).
     *
     * @param op what ran, for the message.
     */
    void finish(final String op) {
        if (capturing) {
            return;
        }
        NativeErrors.check(Ep4jKernels.ep4j_intra_sync(ctx), "CudaBuffer." + op);
        final long[] rec = record();
        if (rec[0] != 0) {
            throw timedOut(rec, op);
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private long[] record() {
        final long[] rec = new long[10];
        NativeErrors.check(Ep4jKernels.ep4j_intra_record(ctx, rec), "CudaBuffer");
        return rec;
    }

    private EpTimeoutException timedOut(final long[] rec, final String op) {
        final int peer = (int) rec[2];
        final int channel = (int) rec[3];
        final int phase = (int) rec[4];
        final String phaseName = phase >= 0 && phase < PHASES.length ? PHASES[phase] : "phase " + phase;
        final String msg = "rank " + rank + " timed out in " + op + " after " + rec[5] / 1_000_000 + " ms waiting for "
            + "rank " + peer + " (" + phaseName + (channel >= 0 ? ", channel " + channel : "") + "; timeout "
            + spec().timeout().toMillis() + " ms): rank " + peer + " did not arrive or stalled; this buffer is "
            + "unusable until reset() on every rank";
        usable = false;
        unusableReason = msg;
        return new EpTimeoutException(msg, rank, peer, channel, phaseName);
    }

    private RuntimeException waitFailed(final int rc, final String op) {
        NativeErrors.check(Ep4jKernels.ep4j_intra_sync(ctx), "CudaBuffer." + op);
        final long[] rec = record();
        if (rec[0] != 0) {
            return timedOut(rec, op);
        }
        if (rc == 2) {
            final String msg = "rank " + rank + ": " + op + " notify did not publish the receive counts within "
                + hostTimeoutNs() / 1_000_000 + " ms and recorded no GPU timeout; this buffer is unusable until "
                + "reset() on every rank";
            usable = false;
            unusableReason = msg;
            return new EpTimeoutException(msg, rank, -1, -1, "dispatch notify (host wait)");
        }
        return NativeErrors.lastError(rc, "CudaBuffer." + op);
    }

    private long hostTimeoutNs() {
        return 2 * spec().timeout().toNanos() + 5_000_000_000L;
    }

    private void startTiming() {
        if (capturing) {
            return;
        }
        if (events[0] == 0) {
            final long[] e = new long[1];
            NativeErrors.check(Ep4jKernels.ep4j_event_create(e), "CudaBuffer");
            events[0] = e[0];
            NativeErrors.check(Ep4jKernels.ep4j_event_create(e), "CudaBuffer");
            events[1] = e[0];
        }
        NativeErrors.check(Ep4jKernels.ep4j_event_record(events[0], stream), "CudaBuffer");
    }

    /** Records the end event (not during capture). */
    private void stopTiming() {
        if (capturing) {
            return;
        }
        NativeErrors.check(Ep4jKernels.ep4j_event_record(events[1], stream), "CudaBuffer");
        lastTimed = true;
    }

    private boolean lastTimed;

    /**
     * The start and end events of the last timed operation (recorded around its kernels on the rank's stream),
     * for cross-rank timing in benchmarks; valid until the next operation.
     *
     * @return {start, end} {@code cudaEvent_t} addresses, or null when nothing was timed yet.
     */
    public long[] lastEvents() {
        return lastTimed ? events.clone() : null;
    }

    /**
     * @return milliseconds between the start and end events of the last timed operation, or -1.
     */
    public double lastMillis() {
        if (!lastTimed) {
            return -1;
        }
        final float[] ms = new float[1];
        NativeErrors.check(Ep4jKernels.ep4j_event_elapsed(events[0], events[1], ms), "CudaBuffer.lastMillis");
        return ms[0];
    }

    private DeviceTensor out(final DType dtype, final long... shape) {
        final DeviceTensor t = group.own(DeviceTensor.allocateAsync(dtype, stream, shape));
        if (capturing) {
            captured.add(t);
        }
        return t;
    }

    private static DeviceTensor collect(final List<DeviceTensor> list, final DeviceTensor t) {
        list.add(t);
        return t;
    }

    private static void closeAll(final List<DeviceTensor> list) {
        for (final DeviceTensor t : list) {
            try {
                t.close();
            } catch (final RuntimeException ignored) {
                // the primary failure is what the caller reports
            }
        }
    }

    private static long addr(final DeviceTensor t) {
        return t == null ? 0L : t.address();
    }

    private void ready() {
        open();
        if (!usable) {
            throw new EpException("rank " + rank + "'s cuda buffer is unusable after a timeout; call reset() on every "
                + "rank of the group (CudaGroup.reset()) once no call is in flight. Cause: " + unusableReason);
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("cuda buffer of rank " + rank + " is closed");
        }
    }

    void markClosed() {
        closed = true;
        for (int i = 0; i < 2; i++) {
            if (events[i] != 0) {
                Ep4jKernels.ep4j_event_destroy(events[i]);
                events[i] = 0;
            }
        }
    }

    /**
     * Closes this rank's buffer: the group owns the native resources, so this only marks it closed (idempotent);
     * close the group to free them.
     */
    @Override
    public void close() {
        closed = true;
    }

    /** Device copies of host inputs for one call, freed (stream-ordered) when the call ends. */
    private final class Temps implements AutoCloseable {
        private final List<DeviceTensor> temps = new ArrayList<>();

        DeviceTensor dev(final Tensor t, final String name) {
            if (t == null) {
                return null;
            }
            if (t instanceof DeviceTensor) {
                final DeviceTensor d = (DeviceTensor) t;
                if (d.isClosed()) {
                    throw new InvalidInputException(name + " " + d + " is closed");
                }
                if (d.device() != device) {
                    throw new InvalidInputException(name + " lives on device " + d.device() + " but rank " + rank
                        + " runs on device " + device);
                }
                return d;
            }
            final HostTensor h = t.hostView();
            if (h == null) {
                throw new InvalidInputException(name + " " + t + " has no content: the cuda backend takes HostTensor "
                    + "or DeviceTensor inputs");
            }
            if (capturing) {
                throw new InvalidInputException(name + " is a host tensor: inside CUDA graph capture every input "
                    + "must be a DeviceTensor (host copies cannot be captured)");
            }
            final DeviceTensor d = DeviceTensor.allocateAsync(h.dtype(), stream, h.shape());
            temps.add(d);
            NativeErrors.check(Ep4jKernels.ep4j_memcpy_htod_async(d.address(), direct(h), d.byteSize(), stream),
                "CudaBuffer: upload " + name);
            return d;
        }

        @Override
        public void close() {
            for (final DeviceTensor d : temps) {
                d.close();
            }
            temps.clear();
        }
    }

    private static ByteBuffer direct(final HostTensor h) {
        final ByteBuffer b = h.buffer();
        if (b.isDirect()) {
            return b.duplicate().clear();
        }
        final ByteBuffer copy = ByteBuffer.allocateDirect(b.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b.duplicate().clear()).clear();
        return copy;
    }
}
