package dev.ep4j.sim;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.layout.DispatchLayout;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.api.validate.OpValidator;
import dev.ep4j.sim.exec.CombineInput;
import dev.ep4j.sim.exec.DispatchInput;
import dev.ep4j.sim.exec.NormalCombine;
import dev.ep4j.sim.exec.NormalDispatch;
import dev.ep4j.sim.exec.Rendezvous;
import dev.ep4j.sim.exec.SenderRoutes;

/**
 * One simulated rank's buffer: validates (identically to every backend), publishes its inputs at the group's
 * rendezvous, computes its own outputs from everybody's inputs with the functional executor, and returns once
 * every rank is done. Used by one thread at a time.
 */
final class SimBuffer implements EpBuffer {
    private final SimGroup group;
    private final int rank;
    private final LowLatencyState lowLatency;
    private volatile boolean closed;

    SimBuffer(final SimGroup group, final int rank) {
        this.group = group;
        this.rank = rank;
        this.lowLatency = new LowLatencyState(group, rank);
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

    @Override
    public DispatchLayoutResult dispatchLayout(final Tensor topkIdx, final int numExperts) {
        open();
        OpValidator.validateLayout(topkIdx, numExperts, topology());
        final DispatchLayout l = DispatchLayout.compute(host("topkIdx", topkIdx), numExperts, topology());
        return new DispatchLayoutResult(l.numTokensPerRank(), topology().isInternode() ? l.numTokensPerNode() : null,
            l.numTokensPerExpert(), l.isTokenInRank(), OpStats.untimed("dispatchLayout"));
    }

    @Override
    public DispatchResult dispatch(final DispatchRequest req) {
        open();
        final KernelConfig config = OpValidator.validateDispatch(req, topology(), spec());
        final boolean cached = req.isCached();
        final KernelConfig routeConfig = cached ? req.cachedHandle().config() : config;
        final HostTensor inRank = host("isTokenInRank",
            cached ? req.cachedHandle().isTokenInRank() : req.layout().isTokenInRank());
        final DispatchInput input = new DispatchInput(req.x(), req.xScales(),
            host("topkIdx", req.topkIdx()), host("topkWeights", req.topkWeights()), inRank,
            cached ? null : host("layout.numTokensPerExpert", req.layout().numTokensPerExpert()),
            new SenderRoutes(inRank, topology(), routeConfig.channels()), routeConfig, req.expertAlignment(),
            req.numWorstTokens(), req.cachedHandle());
        final Rendezvous.Ticket ticket = group.rendezvous().exchange(rank, "dispatch", input);
        try {
            final DispatchInput[] all = new DispatchInput[topology().ranks()];
            for (int r = 0; r < all.length; r++) {
                all[r] = ticket.input(r, DispatchInput.class);
            }
            Agreement.dispatch(rank, all);
            final int experts = cached ? 0 : (int) input.perExpert().dim(0);
            return NormalDispatch.receive(rank, all, topology(), experts);
        } finally {
            group.rendezvous().finish(ticket);
        }
    }

    @Override
    public CombineResult combine(final CombineRequest req) {
        open();
        OpValidator.validateCombine(req, topology(), spec());
        final HostTensor inRank = host("handle.isTokenInRank", req.handle().isTokenInRank());
        final CombineInput input = new CombineInput(req.x(), host("topkWeights", req.topkWeights()),
            host("bias0", req.bias0()), host("bias1", req.bias1()), req.handle(),
            new SenderRoutes(inRank, topology(), req.handle().config().channels()));
        final Rendezvous.Ticket ticket = group.rendezvous().exchange(rank, "combine", input);
        try {
            final CombineInput[] all = new CombineInput[topology().ranks()];
            for (int r = 0; r < all.length; r++) {
                all[r] = ticket.input(r, CombineInput.class);
            }
            return NormalCombine.reduce(rank, all, topology());
        } finally {
            group.rendezvous().finish(ticket);
        }
    }

    @Override
    public LowLatencyDispatchResult lowLatencyDispatch(final LowLatencyDispatchRequest req) {
        open();
        OpValidator.validateLowLatencyDispatch(req, topology(), spec());
        return lowLatency.dispatch(req);
    }

    @Override
    public LowLatencyCombineResult lowLatencyCombine(final LowLatencyCombineRequest req) {
        open();
        OpValidator.validateLowLatencyCombine(req, topology(), spec());
        return lowLatency.combine(req);
    }

    @Override
    public Tensor nextLowLatencyCombineBuffer(final LowLatencyHandle handle) {
        open();
        return lowLatency.nextCombineBuffer(handle);
    }

    @Override
    public void cleanLowLatencyBuffer(final int maxTokensPerRank, final int hidden, final int numExperts) {
        open();
        lowLatency.clean(maxTokensPerRank, hidden, numExperts);
    }

    @Override
    public void close() {
        closed = true;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("sim buffer of rank " + rank + " is closed");
        }
    }

    /**
     * @return the host tensor behind {@code t} (null stays null).
     * @throws InvalidInputException when {@code t} lives on a device.
     */
    static HostTensor host(final String name, final Tensor t) {
        if (t == null) {
            return null;
        }
        final HostTensor h = t.hostView();
        if (h == null) {
            throw new InvalidInputException(name + " is a device tensor; the sim backend takes host tensors "
                + "(HostTensor)");
        }
        return h;
    }
}
