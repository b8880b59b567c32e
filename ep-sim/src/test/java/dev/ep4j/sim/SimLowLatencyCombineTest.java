package dev.ep4j.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.LowLatencyReference.Cast;
import dev.ep4j.sim.LowLatencyReference.Scenario;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Low-latency combine of the sim: exact against an fma loop, LogFMT, zero-copy, and DeepEP's property check. */
class SimLowLatencyCombineTest {

    private static final int[][] TOPOLOGIES = {{1, 2}, {1, 4}, {2, 4}, {3, 3}};

    /** How the expert outputs reach the combine. */
    enum Mode { COPY, LOGFMT, ZERO_COPY }

    static Stream<Arguments> combineCases() {
        final List<Arguments> out = new ArrayList<>();
        for (final int[] topo : TOPOLOGIES) {
            for (final Mode mode : Mode.values()) {
                out.add(Arguments.of(topo[0], topo[1], mode, mode != Mode.COPY));
            }
            out.add(Arguments.of(topo[0], topo[1], Mode.COPY, true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}x{1} {2} hook={3}")
    @MethodSource("combineCases")
    void shouldReduceExactlyLikeTheFmaLoop(final int nodes, final int gpus, final Mode mode, final boolean hook) {
        final Scenario sc = Scenario.of(new Topology(nodes, gpus), 5L * nodes + gpus + 100);
        final int r = sc.ranks();
        final HostTensor[] xs = new HostTensor[r];
        final HostTensor[] topks = new HostTensor[r];
        final HostTensor[] ws = new HostTensor[r];
        final HostTensor[] expertOut = new HostTensor[r];
        for (int i = 0; i < r; i++) {
            xs[i] = sc.x(i);
            topks[i] = sc.topk(i);
            ws[i] = sc.weights(i);
            expertOut[i] = sc.expertOut(i, mode == Mode.LOGFMT);
        }
        final LowLatencyHandle[] handles = new LowLatencyHandle[r];
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final List<LowLatencyCombineResult> results = cluster.run(buf -> {
                final int me = buf.rank();
                final LowLatencyDispatchResult d = buf.lowLatencyDispatch(LowLatencyDispatchRequest.of(xs[me],
                    topks[me], sc.tMax(), sc.experts()).withCast(false, false, false));
                handles[me] = d.handle();
                Tensor x = expertOut[me];
                if (mode == Mode.ZERO_COPY) {
                    final HostTensor view = buf.nextLowLatencyCombineBuffer(d.handle()).hostView();
                    view.buffer().put(0, expertOut[me].buffer(), 0, (int) expertOut[me].byteSize());
                    x = null;
                }
                final LowLatencyCombineResult c = buf.lowLatencyCombine(new LowLatencyCombineRequest(x, topks[me],
                    ws[me], d.handle(), mode == Mode.LOGFMT, mode == Mode.ZERO_COPY, hook));
                assertThat(c.hook() != null).isEqualTo(hook);
                return c;
            });
            if (hook) {
                cluster.run(buf -> {
                    results.get(buf.rank()).hook().receive();
                    return null;
                });
            }
            for (int me = 0; me < r; me++) {
                final HostTensor expected = LowLatencyReference.combine(sc, me, topks[me], ws[me], expertOut,
                    handles, mode == Mode.LOGFMT);
                LowLatencyReference.assertSame("rank " + me + " combinedX", results.get(me).combinedX(), expected);
                assertThat(results.get(me).stats().op()).isEqualTo("lowLatencyCombine");
            }
        }
    }

    static Stream<Arguments> propertyCases() {
        final List<Arguments> out = new ArrayList<>();
        for (final int[] topo : TOPOLOGIES) {
            for (final Cast cast : Cast.values()) {
                out.add(Arguments.of(topo[0], topo[1], cast));
            }
        }
        return out.stream();
    }

    /**
     * DeepEP's test_low_latency.py check (spec §8.3): x = rank - 128 with the last 128 columns = token index; the
     * block of source s holds s - 128, the tail holds src_info; the combine of the dequantized rows is
     * x * sum(w) within calc_diff 1e-5 (BF16) or 9e-4 (FP8), not checked with round_scale.
     */
    @ParameterizedTest(name = "{0}x{1} {2}")
    @MethodSource("propertyCases")
    void shouldPassDeepEpsPropertyCheck(final int nodes, final int gpus, final Cast cast) {
        final Topology topology = new Topology(nodes, gpus);
        final Scenario sc = new Scenario(topology, 32, 512, 4 * topology.ranks(), 5, 3L * nodes + gpus);
        final int r = sc.ranks();
        final int h = sc.hidden();
        final HostTensor[] xs = new HostTensor[r];
        final HostTensor[] topks = new HostTensor[r];
        final HostTensor[] ws = new HostTensor[r];
        for (int i = 0; i < r; i++) {
            xs[i] = HostTensor.zeros(DType.BF16, sc.tokens(i), h);
            for (int t = 0; t < sc.tokens(i); t++) {
                for (int c = 0; c < h; c++) {
                    xs[i].setShort((long) t * h + c, Bf16.fromFloat(c >= h - 128 ? t : i - 128));
                }
            }
            topks[i] = sc.topk(i);
            ws[i] = sc.weights(i);
        }
        final int[] selections = new int[sc.experts()];
        for (int i = 0; i < r; i++) {
            for (long j = 0; j < topks[i].numel(); j++) {
                final long e = topks[i].getIntegral(j);
                if (e >= 0) {
                    selections[(int) e]++;
                }
            }
        }
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final List<HostTensor> combined = cluster.run(buf -> {
                final int me = buf.rank();
                final HostTensor stats = HostTensor.zeros(DType.INT32, sc.local());
                final LowLatencyDispatchResult d = buf.lowLatencyDispatch(new LowLatencyDispatchRequest(xs[me],
                    topks[me], sc.tMax(), sc.experts(), cast.fp8, cast.round, cast.ue8m0, false, stats));
                final HostTensor expertOut = checkReceived(sc, me, d, cast, stats, selections);
                return buf.lowLatencyCombine(LowLatencyCombineRequest.of(expertOut, topks[me], ws[me],
                    d.handle())).combinedX().hostView();
            });
            if (cast.round) {
                return;
            }
            for (int me = 0; me < r; me++) {
                final int t = sc.tokens(me);
                final double[] got = new double[t * h];
                final double[] want = new double[t * h];
                final int k = sc.topK();
                for (int i = 0; i < t; i++) {
                    double wsum = 0;
                    for (int j = 0; j < k; j++) {
                        wsum += topks[me].getIntegral((long) i * k + j) >= 0 ? ws[me].getFloat((long) i * k + j) : 0;
                    }
                    for (int c = 0; c < h; c++) {
                        got[i * h + c] = Bf16.toFloat(combined.get(me).getShort((long) i * h + c));
                        want[i * h + c] = Bf16.toFloat(xs[me].getShort((long) i * h + c)) * wsum;
                    }
                }
                assertThat(Arrays.stream(got).anyMatch(Double::isNaN)).as("NaN in rank %d", me).isFalse();
                assertThat(LowLatencyReference.calcDiff(got, want)).as("rank %d calc_diff", me)
                    .isLessThan(cast.fp8 ? 9e-4 : 1e-5);
            }
        }
    }

    /** DeepEP's per-expert checks; returns the dequantized received rows as BF16 expert outputs. */
    private static HostTensor checkReceived(final Scenario sc, final int me, final LowLatencyDispatchResult d,
        final Cast cast, final HostTensor stats, final int[] selections) {
        final int h = sc.hidden();
        final int rt = sc.rows();
        final HostTensor out = HostTensor.zeros(DType.BF16, sc.local(), rt, h);
        final HostTensor range = d.handle().layoutRange().hostView();
        final HostTensor src = d.handle().srcInfo().hostView();
        for (int e = 0; e < sc.local(); e++) {
            final int count = d.recvCount().hostView().getInt(e);
            assertThat(count).as("recv count == global selections").isEqualTo(selections[me * sc.local() + e]);
            assertThat(stats.getInt(e)).isEqualTo(count);
            int sum = 0;
            final List<Double> tailGot = new ArrayList<>();
            final List<Double> tailWant = new ArrayList<>();
            for (int s = 0; s < sc.ranks(); s++) {
                final long lr = range.getLong((long) e * sc.ranks() + s);
                final int begin = (int) (lr >>> 32);
                final int n = (int) lr;
                assertThat(begin).isEqualTo(sum);
                sum += n;
                for (int row = begin; row < begin + n; row++) {
                    final int token = src.getInt((long) e * rt + row);
                    for (int c = 0; c < h; c++) {
                        final float v = LowLatencyReference.dequant(d, cast, e, row, c);
                        if (c < h - 128) {
                            // FP8 e4m3 keeps 3 mantissa bits: power-of-two scales may round by up to 1/16.
                            final float tol = cast.round ? (128 - s) / 16f : cast.fp8 ? 1e-3f : 0f;
                            if (!(Math.abs(v - (s - 128f)) <= tol)) {
                                throw new AssertionError("rank " + me + " expert " + e + " row " + row + " col " + c
                                    + ": " + v + " but source " + s + " sent " + (s - 128));
                            }
                        } else {
                            tailGot.add((double) v);
                            tailWant.add((double) token);
                        }
                        out.setShort(((long) e * rt + row) * h + c, Bf16.fromFloat(v));
                    }
                }
            }
            assertThat(sum).isEqualTo(count);
            final double diff = LowLatencyReference.calcDiff(tailGot.stream().mapToDouble(Double::doubleValue)
                .toArray(), tailWant.stream().mapToDouble(Double::doubleValue).toArray());
            assertThat(diff).as("tail == src_info").isLessThan(cast.round ? 0.007 : 1e-9);
        }
        return out;
    }
}
