package dev.ep4j.api.contract;

import static dev.ep4j.api.contract.ContractSupport.assertTensorEquals;
import static dev.ep4j.api.contract.ContractSupport.floatToBf16;
import static dev.ep4j.api.contract.ContractSupport.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.LlExpected;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * Inputs, calls and checks of the low-latency contract tests. Stateless.
 */
public final class LowLatencyHarness {
    /** Masked (-1) entries per rank, as DeepEP's test. */
    public static final int MASKED = 10;

    private LowLatencyHarness() {
    }

    /** Token data of a low-latency scenario. */
    public enum Data {
        /** DeepEP's: (rank - 128) everywhere, the last 128 columns = token index. */
        DEEPEP,
        /** N(0, 1). */
        RANDOM,
        /** N(0, 1) x 0.5 x U(0, 1), mostly below 1 in magnitude (LogFMT encodes such divisions). */
        SMALL_RANDOM
    }

    /**
     * @param topology  the group.
     * @param experts   E.
     * @param hidden    H.
     * @param maxTokens T_max.
     * @param tokens    T per rank (each &lt;= T_max).
     * @param topK      K.
     * @param data      token data.
     * @param seed      seed; substream = rank.
     * @return inputs with sorted top-k, {@link #MASKED} entries set to -1 (when there are enough) and |N(0,1)|
     *     weights.
     */
    public static LlInputs inputs(final Topology topology, final int experts, final int hidden, final int maxTokens,
        final int[] tokens, final int topK, final Data data, final long seed) {
        final List<HostTensor> x = new ArrayList<>();
        final List<HostTensor> idx = new ArrayList<>();
        final List<HostTensor> w = new ArrayList<>();
        for (int r = 0; r < topology.ranks(); r++) {
            final int t = tokens[r];
            final RandomStream rnd = RandomStream.of(seed, ContractSupport.STREAM_X, r);
            final HostTensor xr = HostTensor.zeros(DType.BF16, t, hidden);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < hidden; j++) {
                    final float v;
                    switch (data) {
                        case DEEPEP:
                            v = j >= hidden - 128 ? i : r - 128;
                            break;
                        case RANDOM:
                            v = (float) rnd.nextGaussian();
                            break;
                        default:
                            v = (float) (rnd.nextGaussian() * 0.5 * rnd.nextDouble());
                            break;
                    }
                    xr.setShort((long) i * hidden + j, floatToBf16(v));
                }
            }
            x.add(xr);
            final HostTensor ids = Routing.uniform(seed, r, t, experts, topK, true);
            if ((long) t * topK >= 4L * MASKED) {
                Routing.mask(ids, MASKED, seed, r);
            }
            idx.add(ids);
            w.add(Routing.weights(WeightMode.ABS_NORMAL, 0, seed, r, t, topK));
        }
        return new LlInputs(topology, experts, hidden, maxTokens, x, idx, w);
    }

    /**
     * @param in inputs.
     * @return a buffer spec sized by DeepEP's hint, one QP per local expert.
     */
    public static BufferSpec spec(final LlInputs in) {
        return BufferSpec.lowLatency(BufferSizing.lowLatencySizeHint(in.maxTokens(), in.hidden(),
            in.topology().ranks(), in.experts()), Math.max(in.local(), 1));
    }

    /** Options of one low-latency dispatch. */
    public record Cast(boolean fp8, boolean roundScale, boolean ue8m0) {
        /** BF16 (no cast). */
        public static final Cast BF16 = new Cast(false, false, false);
        /** FP8 with float scales. */
        public static final Cast FP8 = new Cast(true, false, false);
        /** FP8 with power-of-two float scales. */
        public static final Cast FP8_ROUND = new Cast(true, true, false);
        /** FP8 with packed UE8M0 scales. */
        public static final Cast FP8_UE8M0 = new Cast(true, true, true);

        @Override
        public String toString() {
            return !fp8 ? "BF16" : ue8m0 ? "FP8+UE8M0" : roundScale ? "FP8+round_scale" : "FP8";
        }
    }

    /**
     * Dispatch on every rank; with {@code hook}, the send phase on every rank, then the receive hook on every rank.
     *
     * @param c     cluster.
     * @param in    inputs.
     * @param cast  cast options.
     * @param hook  two-phase.
     * @param stats per rank INT32 [E_loc] cumulative stats, or null.
     * @return results by rank (valid after the hook).
     */
    public static List<LowLatencyDispatchResult> dispatch(final LocalCluster c, final LlInputs in, final Cast cast,
        final boolean hook, final List<HostTensor> stats) {
        final List<LowLatencyDispatchResult> res = c.run(b -> b.lowLatencyDispatch(new LowLatencyDispatchRequest(
            in.x().get(b.rank()), in.topkIdx().get(b.rank()), in.maxTokens(), in.experts(), cast.fp8(),
            cast.roundScale(), cast.ue8m0(), hook, stats == null ? null : stats.get(b.rank()))));
        for (int r = 0; r < res.size(); r++) {
            if (hook) {
                assertThat(res.get(r).hook()).as("rank " + r + " dispatch hook when requested").isNotNull();
            } else {
                assertThat(res.get(r).hook()).as("rank " + r + " dispatch hook when not requested").isNull();
            }
        }
        if (hook) {
            c.run(b -> {
                res.get(b.rank()).hook().receive();
                return null;
            });
        }
        return res;
    }

    /**
     * Combine on every rank (hook handled like {@link #dispatch}).
     *
     * @param c         cluster.
     * @param in        inputs (original top-k and weights).
     * @param d         the dispatch results.
     * @param expertOut per rank BF16 [E_loc, R*T_max, H]; with zeroCopy written into the next combine buffer.
     * @param logfmt    LogFMT.
     * @param zeroCopy  zero-copy.
     * @param hook      two-phase.
     * @return results by rank.
     */
    public static List<LowLatencyCombineResult> combine(final LocalCluster c, final LlInputs in,
        final List<LowLatencyDispatchResult> d, final List<HostTensor> expertOut, final boolean logfmt,
        final boolean zeroCopy, final boolean hook) {
        final List<LowLatencyCombineResult> res = c.run(b -> {
            final int r = b.rank();
            final LowLatencyHandle handle = d.get(r).handle();
            Tensor x = expertOut.get(r);
            if (zeroCopy) {
                final HostTensor area = b.nextLowLatencyCombineBuffer(handle).hostView();
                assumeTrue(area != null, "the zero-copy combine buffer is not host-writable on this backend");
                assertThat(area.dtype()).as("rank " + r + " zero-copy buffer dtype").isEqualTo(DType.BF16);
                assertThat(area.shape()).as("rank " + r + " zero-copy buffer shape")
                    .containsExactly(expertOut.get(r).shape());
                area.buffer().duplicate().clear().put(expertOut.get(r).buffer().duplicate().clear());
                x = null;
            }
            return b.lowLatencyCombine(new LowLatencyCombineRequest(x, in.topkIdx().get(r), in.topkWeights().get(r),
                handle, logfmt, zeroCopy, hook));
        });
        if (hook) {
            c.run(b -> {
                assertThat(res.get(b.rank()).hook()).as("rank " + b.rank() + " combine hook").isNotNull();
                res.get(b.rank()).hook().receive();
                return null;
            });
        }
        return res;
    }

    /**
     * Checks every dispatch output bit for bit.
     *
     * @param what description.
     * @param in   inputs.
     * @param cast cast options.
     * @param res  results by rank.
     */
    public static void verifyDispatch(final String what, final LlInputs in, final Cast cast,
        final List<LowLatencyDispatchResult> res) {
        for (int r = 0; r < in.topology().ranks(); r++) {
            final String at = what + " rank " + r + ": ";
            final LlExpected exp = ContractReference.llDispatch(in, r, cast.fp8(), cast.roundScale(), cast.ue8m0());
            final LowLatencyDispatchResult got = res.get(r);
            assertTensorEquals(at + "recvCount", exp.recvCount, got.recvCount());
            assertTensorEquals(at + "handle.layoutRange", exp.layoutRange, got.handle().layoutRange());
            assertTensorEquals(at + "handle.srcInfo", exp.srcInfo, got.handle().srcInfo());
            assertTensorEquals(at + "recvX", exp.recvX, got.recvX());
            if (exp.recvScales == null) {
                assertThat(got.recvXScales()).as(at + "recvXScales of BF16").isNull();
            } else {
                assertTensorEquals(at + "recvXScales [E_loc, S', R*T_max]", exp.recvScales, got.recvXScales());
            }
            assertThat(got.handle().maxTokensPerRank()).as(at + "handle.maxTokensPerRank").isEqualTo(in.maxTokens());
            assertThat(got.handle().hidden()).as(at + "handle.hidden").isEqualTo(in.hidden());
            assertThat(got.handle().numExperts()).as(at + "handle.numExperts").isEqualTo(in.experts());
        }
    }

    /**
     * Checks combine outputs bit for bit against the fma loop.
     *
     * @param what      description.
     * @param in        inputs.
     * @param expertOut combine inputs by rank.
     * @param res       results by rank.
     */
    public static void verifyCombine(final String what, final LlInputs in, final List<HostTensor> expertOut,
        final List<LowLatencyCombineResult> res) {
        for (int r = 0; r < in.topology().ranks(); r++) {
            assertTensorEquals(what + " rank " + r + ": combinedX",
                ContractReference.llCombine(in, r, expertOut, false), res.get(r).combinedX());
        }
    }

    /**
     * @param in   inputs.
     * @param seed seed.
     * @param scale standard deviation.
     * @return per rank random BF16 [E_loc, R*T_max, H] expert outputs.
     */
    public static List<HostTensor> expertOutputs(final LlInputs in, final long seed, final double scale) {
        final List<HostTensor> out = new ArrayList<>();
        for (int r = 0; r < in.topology().ranks(); r++) {
            out.add(ContractSupport.randomBf16(RandomStream.of(seed, ContractSupport.STREAM_EXPERT_OUT, r), scale,
                in.local(), in.slots(), in.hidden()));
        }
        return out;
    }

    /**
     * @param res dispatch results.
     * @param cast the cast used.
     * @return the received rows as BF16 expert outputs (FP8 dequantized, then rounded to BF16), DeepEP's combine
     *     input.
     */
    public static List<HostTensor> receivedAsBf16(final List<LowLatencyDispatchResult> res, final Cast cast) {
        final List<HostTensor> out = new ArrayList<>();
        for (final LowLatencyDispatchResult d : res) {
            final HostTensor x = host(d.recvX(), "recvX");
            if (!cast.fp8()) {
                out.add(x);
                continue;
            }
            final HostTensor s = host(d.recvXScales(), "recvXScales");
            final long local = x.dim(0);
            final long slots = x.dim(1);
            final long h = x.dim(2);
            final long sw = s.dim(1);
            final HostTensor y = HostTensor.zeros(DType.BF16, local, slots, h);
            for (long e = 0; e < local; e++) {
                for (long row = 0; row < slots; row++) {
                    for (long i = 0; i < h; i++) {
                        final long g = i / 128;
                        final float scale;
                        if (cast.ue8m0()) {
                            final int packed = s.getInt((e * sw + g / 4) * slots + row);
                            scale = Float.intBitsToFloat(((packed >>> (8 * (g % 4))) & 0xFF) << 23);
                        } else {
                            scale = s.getFloat((e * sw + g) * slots + row);
                        }
                        final long at = (e * slots + row) * h + i;
                        y.setShort(at, floatToBf16(dev.ep4j.api.math.Fp8E4m3.decode(x.getByte(at)) * scale));
                    }
                }
            }
            out.add(y);
        }
        return out;
    }
}
