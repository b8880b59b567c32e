package dev.ep4j.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.util.List;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.tensor.ShapeTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A quick end-to-end check of the sim's normal mode: ones x rank in, blocks per source out, combine = x x count. */
class SimNormalSmokeTest {

    @ParameterizedTest
    @CsvSource({"1,4", "2,4", "3,3"})
    void shouldDispatchAndCombineOnesTimesRank(final int nodes, final int gpus) {
        final Topology topo = new Topology(nodes, gpus);
        final int r = topo.ranks();
        final int t = 50;
        final int h = 256;
        final int e = 4 * r;
        final KernelConfig cfg = new KernelConfig(6, 2, 72, 12, 24);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(topo, BufferSpec.normal(256L << 20,
                 nodes > 1 ? 256L << 20 : 0)))) {
            final List<CombineResult> out = cluster.run(buf -> {
                final int me = buf.rank();
                final HostTensor x = HostTensor.zeros(DType.BF16, t, h);
                for (int i = 0; i < t * h; i++) {
                    x.setShort(i, Bf16.fromFloat(me));
                }
                final HostTensor idx = Routing.uniform(7, me, t, e, 3, false);
                final HostTensor w = HostTensor.zeros(DType.FLOAT32, t, 3);
                final DispatchLayoutResult layout = buf.dispatchLayout(idx, e);
                final DispatchResult d = buf.dispatch(DispatchRequest.builder(x).topk(idx, w).layout(layout)
                    .config(cfg).build());
                // rows of source s are constant s
                final HostTensor recv = d.recvX().hostView();
                for (long row = 0; row < recv.dim(0); row++) {
                    assertThat(Bf16.toFloat(recv.getShort(row * h))).isEqualTo(Bf16.toFloat(
                        recv.getShort(row * h + h - 1)));
                }
                return buf.combine(CombineRequest.of(d.recvX(), d.handle()).withConfig(cfg));
            });
            for (int me = 0; me < r; me++) {
                final HostTensor comb = out.get(me).combinedX().hostView();
                final HostTensor idx = Routing.uniform(7, me, t, e, 3, false);
                for (int tok = 0; tok < t; tok++) {
                    final boolean[] to = new boolean[r];
                    for (int k = 0; k < 3; k++) {
                        to[(int) (idx.getLong(tok * 3L + k) / (e / r))] = true;
                    }
                    int count = 0;
                    for (final boolean b : to) {
                        count += b ? 1 : 0;
                    }
                    assertThat(Bf16.toFloat(comb.getShort((long) tok * h))).as("rank %d token %d", me, tok)
                        .isEqualTo((float) me * count);
                }
            }
        }
    }

    @Test
    void shouldComputeTheSameRoutingWithPayloadsOff() {
        final Topology topo = Topology.singleNode(4);
        final KernelConfig cfg = new KernelConfig(6, 2, 24, 4, 16);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(topo, BufferSpec.normal(256L << 20)))) {
            final List<DispatchResult[]> out = cluster.run(buf -> {
                final HostTensor idx = Routing.uniform(3, buf.rank(), 40, 16, 2, false);
                final HostTensor w = HostTensor.zeros(DType.FLOAT32, 40, 2);
                final DispatchLayoutResult layout = buf.dispatchLayout(idx, 16);
                final DispatchResult full = buf.dispatch(DispatchRequest.builder(HostTensor.zeros(DType.BF16, 40, 128))
                    .topk(idx, w).layout(layout).config(cfg).build());
                final DispatchResult meta = buf.dispatch(DispatchRequest.builder(ShapeTensor.of(DType.BF16, 40, 128))
                    .topk(idx, w).layout(layout).config(cfg).build());
                return new DispatchResult[] {full, meta};
            });
            for (final DispatchResult[] pair : out) {
                assertThat(pair[1].recvX()).isInstanceOf(ShapeTensor.class);
                assertThat(pair[1].recvX().shape()).isEqualTo(pair[0].recvX().shape());
                assertThat(pair[1].recvTopkIdx().hostView().contentEquals(pair[0].recvTopkIdx().hostView())).isTrue();
                final IntranodeHandle a = (IntranodeHandle) pair[0].handle();
                final IntranodeHandle b = (IntranodeHandle) pair[1].handle();
                assertThat(b.sendHead().hostView().contentEquals(a.sendHead().hostView())).isTrue();
                assertThat(b.recvSrcIdx().hostView().contentEquals(a.recvSrcIdx().hostView())).isTrue();
                assertThat(pair[1].numRecvTokensPerExpert()).isEqualTo(pair[0].numRecvTokensPerExpert());
            }
        }
    }
}
