package dev.ep4j.api;

import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;

/**
 * One rank's communication buffer, DeepEP's {@code Buffer}. SPMD: every rank of the group holds its own
 * {@code EpBuffer} and calls the same collective operations in the same order; a collective completes when every
 * rank has made it.
 *
 * <p>Every operation validates its arguments first (through {@link dev.ep4j.api.validate.OpValidator}, identically
 * for every backend) and throws {@link dev.ep4j.api.error.InvalidInputException},
 * {@link dev.ep4j.api.error.ConfigException} or {@link dev.ep4j.api.error.BufferTooSmallException} before any work;
 * a failed validation leaves the buffer usable.
 *
 * <pre>{@code
 * try (Backend backend = Backends.open("sim");
 *      EpGroup group = backend.openGroup(new GroupSpec(Topology.singleNode(8), BufferSpec.normal(nvlBytes)))) {
 *     // on rank r's thread:
 *     EpBuffer buf = group.buffer(r);
 *     DispatchLayoutResult layout = buf.dispatchLayout(topkIdx, 256);
 *     DispatchResult d = buf.dispatch(DispatchRequest.builder(x).topk(topkIdx, weights).layout(layout).build());
 *     CombineResult c = buf.combine(CombineRequest.of(expertOut, d.handle()));
 * }
 * }</pre>
 *
 * <p>Thread-safety: one thread per rank; a buffer is not used by two threads at once.
 */
public interface EpBuffer extends AutoCloseable {
    /**
     * @return this rank's index in the group.
     */
    int rank();

    /**
     * @return the group's shape.
     */
    Topology topology();

    /**
     * @return the sizes and options this buffer was created with.
     */
    BufferSpec spec();

    /**
     * Routing counts from top-k indices (semantics.md §3). Local: needs no other rank.
     *
     * @param topkIdx    INT64 or INT32 [T, K], ids in [-1, numExperts).
     * @param numExperts E, divisible by the rank count.
     * @return the counts and membership.
     */
    DispatchLayoutResult dispatchLayout(Tensor topkIdx, int numExperts);

    /**
     * Normal-mode dispatch (collective).
     *
     * @param request the tokens, routing and options.
     * @return received rows and the handle.
     */
    DispatchResult dispatch(DispatchRequest request);

    /**
     * Normal-mode combine (collective), the reverse of the dispatch whose handle is given.
     *
     * @param request expert outputs and the handle.
     * @return the reduced tokens.
     */
    CombineResult combine(CombineRequest request);

    /**
     * Low-latency dispatch (collective); requires a buffer created in low-latency mode.
     *
     * @param request tokens, routing, cast options.
     * @return packed per-expert rows, counts and the handle.
     */
    LowLatencyDispatchResult lowLatencyDispatch(LowLatencyDispatchRequest request);

    /**
     * Low-latency combine (collective).
     *
     * @param request expert outputs, original routing and weights.
     * @return the weighted reduction per token.
     */
    LowLatencyCombineResult lowLatencyCombine(LowLatencyCombineRequest request);

    /**
     * The BF16 view {@code [E_loc, R * T_max, H]} of the send area the next low-latency combine uses, for
     * zero-copy combine: write expert outputs here, then combine with {@code zeroCopy = true}.
     *
     * @param handle the dispatch's handle.
     * @return a writable view aliasing the buffer.
     */
    Tensor nextLowLatencyCombineBuffer(dev.ep4j.api.op.LowLatencyHandle handle);

    /**
     * Zeroes both low-latency signalling areas between two barriers (collective). Needed after normal-mode calls
     * on the same buffer and before the first low-latency call.
     *
     * @param maxTokensPerRank T_max.
     * @param hidden           H.
     * @param numExperts       E.
     */
    void cleanLowLatencyBuffer(int maxTokensPerRank, int hidden, int numExperts);

    /**
     * Releases the buffer; idempotent. Use after close throws {@link IllegalStateException}.
     */
    @Override
    void close();
}
