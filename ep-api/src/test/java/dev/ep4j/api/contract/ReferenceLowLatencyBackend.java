package dev.ep4j.api.contract;

import dev.ep4j.api.Backend;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.EpGroup;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.contract.ContractReference.LlExpected;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.EpTimeoutException;
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
import dev.ep4j.api.op.ReceiveHook;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.api.validate.OpValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test double that answers the low-latency operations with {@link ContractReference} (normal mode is not
 * offered). It exists only to run the low-latency contract kit end to end before a real backend has low-latency
 * kernels: it exercises the kit's plumbing (hooks, zero-copy buffer, ping-pong calls, stats, tolerances and
 * DeepEP's property checks, which are not tautological) — the bit-exact checks against the reference are of course
 * trivially met by it. Collectives exchange each rank's inputs through a shared table with the buffer's timeout.
 */
final class ReferenceLowLatencyBackend implements Backend {
    @Override
    public String name() {
        return "reference-ll";
    }

    @Override
    public EpGroup openGroup(final GroupSpec spec) {
        return new Group(spec);
    }

    @Override
    public void close() {
        // nothing held
    }

    private static final class Group implements EpGroup {
        private final GroupSpec spec;
        private final Buf[] buffers;
        private final Map<Long, Object[]> slots = new HashMap<>();

        Group(final GroupSpec spec) {
            this.spec = spec;
            this.buffers = new Buf[spec.topology().ranks()];
            for (int r = 0; r < buffers.length; r++) {
                buffers[r] = new Buf(this, r);
            }
        }

        /** Publishes {@code mine} for collective number {@code call} and waits for every rank's. */
        List<Object> exchange(final long call, final int rank, final Object mine) {
            final long deadline = System.nanoTime() + spec.buffer().timeout().toNanos();
            synchronized (slots) {
                final Object[] s = slots.computeIfAbsent(call, c -> new Object[buffers.length]);
                s[rank] = mine;
                slots.notifyAll();
                while (true) {
                    int missing = -1;
                    for (int r = 0; r < s.length && missing < 0; r++) {
                        missing = s[r] == null ? r : -1;
                    }
                    if (missing < 0) {
                        return List.of(s);
                    }
                    final long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new EpTimeoutException("rank " + rank + " waited " + spec.buffer().timeout()
                            + " for rank " + missing + " in collective #" + call, rank, missing, -1, "low-latency");
                    }
                    try {
                        slots.wait(Math.max(1, left / 1_000_000));
                    } catch (final InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new EpException("interrupted", e);
                    }
                }
            }
        }

        @Override
        public Topology topology() {
            return spec.topology();
        }

        @Override
        public EpBuffer buffer(final int rank) {
            return buffers[rank];
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    private static final class Buf implements EpBuffer {
        private final Group group;
        private final int rank;
        private long calls;
        private HostTensor zeroCopy;

        Buf(final Group group, final int rank) {
            this.group = group;
            this.rank = rank;
        }

        @Override
        public LowLatencyDispatchResult lowLatencyDispatch(final LowLatencyDispatchRequest req) {
            OpValidator.validateLowLatencyDispatch(req, topology(), spec());
            final int local = req.numExperts() / topology().ranks();
            final int h = (int) req.x().dim(1);
            final int slotsPerExpert = topology().ranks() * req.maxTokensPerRank();
            final LlExpected shape = new LlExpected();
            shape.recvX = HostTensor.zeros(req.useFp8() ? DType.FP8_E4M3 : DType.BF16, local, slotsPerExpert, h);
            final int sw = req.useUe8m0() ? h / 512 : h / 128;
            shape.recvScales = req.useFp8() ? HostTensor.zeros(req.useUe8m0() ? DType.INT32 : DType.FLOAT32, local,
                sw, slotsPerExpert) : null;
            shape.recvCount = HostTensor.zeros(DType.INT32, local);
            shape.srcInfo = HostTensor.zeros(DType.INT32, local, slotsPerExpert);
            shape.layoutRange = HostTensor.zeros(DType.INT64, local, topology().ranks());
            final long call = calls++;
            final ReceiveHook receive = () -> {
                final List<Object> all = group.exchange(call, rank, new Object[] {req.x().hostView(),
                    req.topkIdx()});
                final List<HostTensor> xs = new ArrayList<>();
                final List<HostTensor> ids = new ArrayList<>();
                for (final Object o : all) {
                    xs.add(((Tensor) ((Object[]) o)[0]).hostView());
                    ids.add(((Tensor) ((Object[]) o)[1]).hostView());
                }
                final LlInputs in = new LlInputs(topology(), req.numExperts(), h, req.maxTokensPerRank(), xs, ids,
                    ids);
                final LlExpected e = ContractReference.llDispatch(in, rank, req.useFp8(), req.roundScale(),
                    req.useUe8m0());
                copy(e.recvX, shape.recvX);
                copy(e.recvScales, shape.recvScales);
                copy(e.recvCount, shape.recvCount);
                copy(e.srcInfo, shape.srcInfo);
                copy(e.layoutRange, shape.layoutRange);
                final Tensor stats = req.cumulativeLocalExpertRecvStats();
                if (stats != null) {
                    for (int i = 0; i < local; i++) {
                        stats.hostView().setInt(i, stats.hostView().getInt(i) + e.recvCount.getInt(i));
                    }
                }
            };
            if (!req.returnRecvHook()) {
                receive.receive();
            }
            return new LowLatencyDispatchResult(shape.recvX, shape.recvScales, shape.recvCount,
                new LowLatencyHandle(shape.srcInfo, shape.layoutRange, req.maxTokensPerRank(), h, req.numExperts()),
                req.returnRecvHook() ? receive : null, OpStats.untimed("low_latency_dispatch"));
        }

        @Override
        public LowLatencyCombineResult lowLatencyCombine(final LowLatencyCombineRequest req) {
            OpValidator.validateLowLatencyCombine(req, topology(), spec());
            final LowLatencyHandle handle = req.handle();
            final HostTensor out = HostTensor.zeros(DType.BF16, req.topkIdx().dim(0), handle.hidden());
            final HostTensor expert = req.zeroCopy() ? zeroCopy.copy() : req.x().hostView();
            final long call = calls++;
            final ReceiveHook receive = () -> {
                final List<Object> all = group.exchange(call, rank, new Object[] {expert, req.topkIdx().hostView(),
                    req.topkWeights().hostView()});
                final List<HostTensor> experts = new ArrayList<>();
                final List<HostTensor> xs = new ArrayList<>();
                final List<HostTensor> ids = new ArrayList<>();
                final List<HostTensor> ws = new ArrayList<>();
                for (final Object o : all) {
                    final Object[] a = (Object[]) o;
                    experts.add((HostTensor) a[0]);
                    ids.add((HostTensor) a[1]);
                    ws.add((HostTensor) a[2]);
                    xs.add(HostTensor.zeros(DType.BF16, ((HostTensor) a[1]).dim(0), 0));
                }
                final LlInputs in = new LlInputs(topology(), handle.numExperts(), handle.hidden(),
                    handle.maxTokensPerRank(), xs, ids, ws);
                copy(ContractReference.llCombine(in, rank, experts, req.useLogfmt()), out);
            };
            if (!req.returnRecvHook()) {
                receive.receive();
            }
            return new LowLatencyCombineResult(out, req.returnRecvHook() ? receive : null,
                OpStats.untimed("low_latency_combine"));
        }

        @Override
        public Tensor nextLowLatencyCombineBuffer(final LowLatencyHandle handle) {
            final int local = handle.numExperts() / topology().ranks();
            zeroCopy = HostTensor.zeros(DType.BF16, local, (long) topology().ranks() * handle.maxTokensPerRank(),
                handle.hidden());
            return zeroCopy;
        }

        @Override
        public void cleanLowLatencyBuffer(final int maxTokensPerRank, final int hidden, final int numExperts) {
            group.exchange(calls++, rank, Boolean.TRUE);
        }

        private static void copy(final HostTensor from, final HostTensor to) {
            if (from != null) {
                to.buffer().duplicate().clear().put(from.buffer().duplicate().clear());
            }
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public Topology topology() {
            return group.spec.topology();
        }

        @Override
        public BufferSpec spec() {
            return group.spec.buffer();
        }

        @Override
        public DispatchLayoutResult dispatchLayout(final Tensor topkIdx, final int numExperts) {
            throw new UnsupportedOperationException("reference-ll offers low-latency mode only");
        }

        @Override
        public DispatchResult dispatch(final DispatchRequest request) {
            throw new UnsupportedOperationException("reference-ll offers low-latency mode only");
        }

        @Override
        public CombineResult combine(final CombineRequest request) {
            throw new UnsupportedOperationException("reference-ll offers low-latency mode only");
        }

        @Override
        public void close() {
            // nothing held
        }
    }
}
