package dev.ep4j.sim;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.error.BufferTooSmallException;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.LowLatencyLayout;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.op.ReceiveHook;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.sim.exec.LowLatencyCombine;
import dev.ep4j.sim.exec.LowLatencyCombineInput;
import dev.ep4j.sim.exec.LowLatencyDispatch;
import dev.ep4j.sim.exec.LowLatencyDispatchInput;
import dev.ep4j.sim.exec.LowLatencyDispatchOutput;
import dev.ep4j.sim.exec.Rendezvous;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One rank's low-latency mode: runs {@code lowLatencyDispatch}, {@code lowLatencyCombine} and
 * {@code cleanLowLatencyBuffer} on the group's {@link Rendezvous}, and keeps DeepEP's per-rank buffer state.
 *
 * <p><b>Two phases.</b> Every call is split like DeepEP's kernels: the send phase runs in the call (the sender-side
 * work: FP8 cast or LogFMT encoding, done once per row; then {@link Rendezvous#publish}, which returns at once), the
 * receive phase ({@link Rendezvous#awaitAll} for every rank's send area, compute this rank's outputs, then
 * {@link Rendezvous#finish}) runs either in the call too or, with {@code returnRecvHook}, in
 * {@link ReceiveHook#receive()}. The result's tensors are allocated in the call and filled by the receive phase.
 * Because the send phase copies what it sends, the caller may reuse its input tensors as soon as the call returns.
 * A hook runs once; a second {@code receive()} throws {@link IllegalStateException}. A rank whose peers never make
 * the call (or never run their hook) fails in the receive phase with an
 * {@link dev.ep4j.api.error.EpTimeoutException} naming them.
 *
 * <p><b>DeepEP's buffers.</b> DeepEP's RDMA buffer holds two ping-pong buffers b = 0, 1, each with signalling
 * ints, a send region and a receive region ({@link LowLatencyLayout}). Here: the signalling ints are the
 * rendezvous' publish/await; the dispatch send region b is the {@link LowLatencyDispatchInput} the call publishes
 * (the cast tokens), the combine send region b is the {@link LowLatencyCombineInput} (the rows going back), and
 * the receive regions are the fresh output tensors (dispatch) and the combine's slot table. The buffer index flips
 * on every low-latency call, dispatch or combine, at call time (DeepEP flips it on the host at launch); the call
 * uses the index before the flip. The BF16 view of combine send region b, {@code [E_loc, R * T_max, H]}, is the
 * tensor {@link #nextCombineBuffer} returns while the index is b (allocated on first use, one per buffer, kept
 * across calls while T_max, H and E stay the same): a zero-copy combine reads the view of the buffer it runs on,
 * i.e. the one {@code nextCombineBuffer} returned just before it. Unlike DeepEP, a dispatch does not overwrite
 * that view (the sim's dispatch send region is separate), and no limit on calls in flight is enforced (DeepEP
 * corrupts data beyond two).
 *
 * <p><b>Clean.</b> {@link #clean} is a collective (publish, await, finish) that checks its arguments and that
 * every rank passed the same ones; like DeepEP's {@code clean_low_latency_buffer} it keeps the buffer index and
 * (having no signalling ints to zero) changes nothing else.
 *
 * <p>Thread-safety: confined to the rank's thread (the buffer's contract); a receive hook may run on any thread,
 * as it touches only the rendezvous and its own call's tensors.
 */
final class LowLatencyState {
    private static final String DISPATCH = "lowLatencyDispatch";
    private static final String COMBINE = "lowLatencyCombine";
    private static final String CLEAN = "cleanLowLatencyBuffer";

    private final SimGroup group;
    private final int rank;
    /** The ping-pong buffer the next low-latency call uses. */
    private int bufferIdx;
    /** BF16 views of the two combine send regions, allocated on first use. */
    private final HostTensor[] combineSendViews = new HostTensor[2];

    /** The arguments of a clean, compared across ranks. */
    private record CleanArgs(int maxTokensPerRank, int hidden, int numExperts) {
    }

    LowLatencyState(final SimGroup group, final int rank) {
        this.group = group;
        this.rank = rank;
    }

    /**
     * @return the ping-pong buffer index the next low-latency call uses (0 or 1).
     */
    int bufferIndex() {
        return bufferIdx;
    }

    LowLatencyDispatchResult dispatch(final LowLatencyDispatchRequest req) {
        final HostTensor x = SimBuffer.host("x", req.x());
        final HostTensor topk = SimBuffer.host("topkIdx", req.topkIdx());
        final HostTensor stats = SimBuffer.host("cumulativeLocalExpertRecvStats",
            req.cumulativeLocalExpertRecvStats());
        final int ranks = group.topology().ranks();
        final LowLatencyDispatchInput input = LowLatencyDispatch.send(rank, x, topk, req.maxTokensPerRank(),
            req.numExperts(), req.useFp8(), req.roundScale(), req.useUe8m0());
        final LowLatencyDispatchOutput out = LowLatencyDispatchOutput.allocate(req.numExperts() / ranks, ranks,
            req.maxTokensPerRank(), input.hidden(), req.useFp8(), req.useUe8m0());
        final Rendezvous.Pending pending = publish(DISPATCH, input);
        final Runnable receive = () -> {
            final Rendezvous.Ticket ticket = group.rendezvous().awaitAll(pending);
            try {
                final LowLatencyDispatchInput[] all = new LowLatencyDispatchInput[ranks];
                for (int r = 0; r < ranks; r++) {
                    all[r] = ticket.input(r, LowLatencyDispatchInput.class);
                }
                LowLatencyDispatch.checkAgreement(all);
                LowLatencyDispatch.receive(rank, all, out, stats);
            } finally {
                group.rendezvous().finish(ticket);
            }
        };
        final ReceiveHook hook = phase(req.returnRecvHook(), DISPATCH, pending, receive);
        final LowLatencyHandle handle = new LowLatencyHandle(out.srcInfo(), out.layoutRange(),
            req.maxTokensPerRank(), input.hidden(), req.numExperts());
        return new LowLatencyDispatchResult(out.recvX(), out.recvScales(), out.recvCount(), handle, hook,
            OpStats.untimed(DISPATCH));
    }

    LowLatencyCombineResult combine(final LowLatencyCombineRequest req) {
        final LowLatencyHandle handle = req.handle();
        final int ranks = group.topology().ranks();
        final HostTensor x;
        if (req.zeroCopy()) {
            x = combineSendViews[bufferIdx];
            if (x == null || !Arrays.equals(x.shape(), viewShape(handle))) {
                throw new InvalidInputException("zeroCopy=true but nextLowLatencyCombineBuffer(handle) was not "
                    + "called for this combine (ping-pong buffer " + bufferIdx + (x == null ? " has no view yet"
                    : " has a view of shape " + Arrays.toString(x.shape()) + ", the handle needs "
                    + Arrays.toString(viewShape(handle))) + "); call it right before the combine, write the expert "
                    + "outputs into it, and make no low-latency call in between");
            }
        } else {
            x = SimBuffer.host("x", req.x());
        }
        final HostTensor topk = SimBuffer.host("topkIdx", req.topkIdx()).copy();
        final HostTensor weights = SimBuffer.host("topkWeights", req.topkWeights()).copy();
        final LowLatencyCombineInput input = LowLatencyCombine.send(rank, ranks, x,
            SimBuffer.host("handle.srcInfo", handle.srcInfo()), SimBuffer.host("handle.layoutRange",
                handle.layoutRange()), handle.maxTokensPerRank(), handle.hidden(), handle.numExperts(),
            req.useLogfmt());
        final HostTensor out = HostTensor.zeros(DType.BF16, topk.dim(0), handle.hidden());
        final Rendezvous.Pending pending = publish(COMBINE, input);
        final Runnable receive = () -> {
            final Rendezvous.Ticket ticket = group.rendezvous().awaitAll(pending);
            try {
                final LowLatencyCombineInput[] all = new LowLatencyCombineInput[ranks];
                for (int r = 0; r < ranks; r++) {
                    all[r] = ticket.input(r, LowLatencyCombineInput.class);
                }
                LowLatencyCombine.checkAgreement(all);
                LowLatencyCombine.receive(rank, all, topk, weights, out);
            } finally {
                group.rendezvous().finish(ticket);
            }
        };
        final ReceiveHook hook = phase(req.returnRecvHook(), COMBINE, pending, receive);
        return new LowLatencyCombineResult(out, hook, OpStats.untimed(COMBINE));
    }

    Tensor nextCombineBuffer(final LowLatencyHandle handle) {
        lowLatencyMode();
        if (handle == null) {
            throw new InvalidInputException("handle is null; pass the handle returned by lowLatencyDispatch");
        }
        shapeArgs(handle.maxTokensPerRank(), handle.hidden(), handle.numExperts());
        final long[] shape = viewShape(handle);
        final HostTensor view = combineSendViews[bufferIdx];
        if (view != null && Arrays.equals(view.shape(), shape)) {
            return view;
        }
        final HostTensor fresh = HostTensor.zeros(DType.BF16, shape);
        combineSendViews[bufferIdx] = fresh;
        return fresh;
    }

    void clean(final int maxTokensPerRank, final int hidden, final int numExperts) {
        lowLatencyMode();
        final LowLatencyLayout layout = shapeArgs(maxTokensPerRank, hidden, numExperts);
        final BufferSpec spec = group.spec();
        if (spec.rdmaBufferBytes() < layout.totalBytes()) {
            throw new BufferTooSmallException("low-latency RDMA buffer", layout.totalBytes(), spec.rdmaBufferBytes(),
                "size it with BufferSizing.lowLatencySizeHint(" + maxTokensPerRank + ", " + hidden + ", R, "
                    + numExperts + ")");
        }
        final Rendezvous.Ticket ticket = group.rendezvous().exchange(rank, CLEAN,
            new CleanArgs(maxTokensPerRank, hidden, numExperts));
        try {
            final CleanArgs mine = ticket.input(0, CleanArgs.class);
            for (int r = 1; r < group.topology().ranks(); r++) {
                final CleanArgs other = ticket.input(r, CleanArgs.class);
                if (!mine.equals(other)) {
                    throw new InvalidInputException("ranks disagree on cleanLowLatencyBuffer arguments: rank 0 passed "
                        + mine + ", rank " + r + " passed " + other + "; every rank must pass the same values");
                }
            }
        } finally {
            group.rendezvous().finish(ticket);
        }
    }

    /** Publishes this call's send area and flips the ping-pong index (the call keeps the old one). */
    private Rendezvous.Pending publish(final String op, final Object input) {
        final Rendezvous.Pending pending = group.rendezvous().publish(rank, op, input);
        bufferIdx ^= 1;
        return pending;
    }

    /** Runs the receive phase now (returns null) or wraps it in a one-shot hook. */
    private ReceiveHook phase(final boolean hook, final String op, final Rendezvous.Pending pending,
        final Runnable receive) {
        if (!hook) {
            receive.run();
            return null;
        }
        final AtomicBoolean used = new AtomicBoolean();
        return () -> {
            if (!used.compareAndSet(false, true)) {
                throw new IllegalStateException("the receive hook of " + op + " (collective #" + pending.seq()
                    + ") on rank " + rank + " was already called; a hook runs exactly once");
            }
            receive.run();
        };
    }

    private long[] viewShape(final LowLatencyHandle handle) {
        final int ranks = group.topology().ranks();
        return new long[] {handle.numExperts() / ranks, (long) ranks * handle.maxTokensPerRank(), handle.hidden()};
    }

    private void lowLatencyMode() {
        if (!group.spec().lowLatencyMode()) {
            throw new ConfigException("this buffer was created with lowLatencyMode=false; create it with "
                + "BufferSpec.lowLatency(...) to use the low-latency kernels");
        }
    }

    /** Range checks of (T_max, H, E) as the low-latency layout needs them; returns the layout. */
    private LowLatencyLayout shapeArgs(final int maxTokens, final int hidden, final int experts) {
        final LowLatencyLayout layout = LowLatencyLayout.of(maxTokens, hidden, experts);
        final int ranks = group.topology().ranks();
        if (experts % ranks != 0) {
            throw new InvalidInputException("numExperts=" + experts + " is not divisible by ranks=" + ranks
                + "; every rank must hold the same number of experts");
        }
        return layout;
    }
}
