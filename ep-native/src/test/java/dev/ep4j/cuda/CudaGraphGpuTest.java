package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractSupport;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.IntranodeHandle;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CUDA-graph capture of dispatch (worst-case allocation, no host sync) + combine on every rank's stream: replaying
 * the graphs gives the eager run's outputs byte for byte, and after the inputs change in place a replay follows them.
 */
@Tag("gpu")
@Timeout(120)
class CudaGraphGpuTest {
    private static final Topology TOPO = Topology.singleNode(4);
    private static final int T = 256;
    private static final int H = 1024;
    private static final int K = 4;
    private static final int E = 32;
    private static final KernelConfig DISPATCH = ContractSupport.intranodeConfig(8, 6, 64);
    private static final KernelConfig COMBINE = ContractSupport.intranodeConfig(8, 4, 64);

    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
    }

    /** One rank's device inputs. */
    private record Inputs(DeviceTensor x, DeviceTensor idx, DeviceTensor w, DispatchLayoutResult layout) {
    }

    private static DispatchRequest request(final Inputs in) {
        return DispatchRequest.builder(in.x()).topk(in.idx(), in.w()).layout(in.layout())
            .numWorstTokens(T * TOPO.ranks()).config(DISPATCH).build();
    }

    private static Map<String, HostTensor> outputs(final DispatchResult d, final CombineResult c) {
        final Map<String, HostTensor> m = new LinkedHashMap<>();
        final IntranodeHandle h = (IntranodeHandle) d.handle();
        final Tensor[] ts = {d.recvX(), d.recvTopkIdx(), d.recvTopkWeights(), h.rankPrefixMatrix(),
            h.channelPrefixMatrix(), h.recvChannelPrefixMatrix(), h.recvSrcIdx(), h.sendHead(), c.combinedX(),
            c.combinedTopkWeights()};
        final String[] names = {"recv_x", "recv_topk_idx", "recv_topk_weights", "rank_prefix_matrix",
            "channel_prefix_matrix", "recv_channel_prefix_matrix", "recv_src_idx", "send_head", "combined_x",
            "combined_topk_weights"};
        for (int i = 0; i < ts.length; i++) {
            m.put(names[i], ts[i].toHost().copy());
        }
        return m;
    }

    private static CombineResult combine(final CudaBuffer b, final DispatchResult d) {
        return b.combine(new CombineRequest(d.recvX(), d.handle(), d.recvTopkWeights(), null, null, COMBINE));
    }

    @Test
    void shouldReplayCapturedDispatchAndCombineLikeTheEagerRun() {
        final NormalInputs in = ContractSupport.normalInputs(TOPO, ContractSupport.sameTokens(4, T), H, K, E,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, 31);
        final NormalInputs in2 = ContractSupport.normalInputs(TOPO, ContractSupport.sameTokens(4, T), H, K, E,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0.05, 32);
        try (Backend backend = Backends.open("cuda");
             LocalCluster c = LocalCluster.open(backend, new GroupSpec(TOPO,
                 ContractSupport.normalSpec(TOPO, H, K, DISPATCH, COMBINE)))) {
            final List<Inputs> inputs = c.run(b -> {
                final CudaBuffer cb = (CudaBuffer) b;
                final int r = b.rank();
                Cuda.setDevice(cb.device());
                final DeviceTensor idx = DeviceTensor.uploadAsync(in.topkIdx().get(r), cb.stream());
                return new Inputs(DeviceTensor.uploadAsync(in.x().get(r), cb.stream()), idx,
                    DeviceTensor.uploadAsync(in.topkWeights().get(r), cb.stream()), b.dispatchLayout(idx, E));
            });
            // eager reference
            final List<Map<String, HostTensor>> eager = c.run(b -> {
                final CudaBuffer cb = (CudaBuffer) b;
                final DispatchResult d = cb.dispatch(request(inputs.get(b.rank())));
                return outputs(d, combine(cb, d));
            });
            // capture on every rank
            final List<Object[]> captured = c.run(b -> {
                final CudaBuffer cb = (CudaBuffer) b;
                final Object[] res = new Object[3];
                res[0] = cb.capture(() -> {
                    final DispatchResult d = cb.dispatch(request(inputs.get(b.rank())));
                    res[1] = d;
                    res[2] = combine(cb, d);
                });
                assertThat(((DispatchResult) res[1]).handle().numRecvTokens()).as("numRecvTokens under capture")
                    .isEqualTo(-1);
                return res;
            });
            try {
                final List<Map<String, HostTensor>> replay = replay(c, captured);
                for (int r = 0; r < TOPO.ranks(); r++) {
                    for (final String name : eager.get(r).keySet()) {
                        ContractSupport.assertTensorEquals("rank " + r + " " + name + " graph replay vs eager",
                            eager.get(r).get(name), replay.get(r).get(name));
                    }
                }
                // new data in the same device tensors: a second replay follows it
                c.run(b -> {
                    final CudaBuffer cb = (CudaBuffer) b;
                    Cuda.setDevice(cb.device());
                    inputs.get(b.rank()).x().copyFrom(in2.x().get(b.rank()), cb.stream());
                    return null;
                });
                final List<Map<String, HostTensor>> eager2 = c.run(b -> {
                    final CudaBuffer cb = (CudaBuffer) b;
                    final DispatchResult d = cb.dispatch(request(inputs.get(b.rank())));
                    return outputs(d, combine(cb, d));
                });
                final List<Map<String, HostTensor>> replay2 = replay(c, captured);
                for (int r = 0; r < TOPO.ranks(); r++) {
                    ContractSupport.assertTensorEquals("rank " + r + " recv_x after new data", eager2.get(r)
                        .get("recv_x"), replay2.get(r).get("recv_x"));
                    ContractSupport.assertTensorEquals("rank " + r + " combined_x after new data", eager2.get(r)
                        .get("combined_x"), replay2.get(r).get("combined_x"));
                }
                assertThat(eager2.get(0).get("recv_x").contentEquals(eager.get(0).get("recv_x")))
                    .as("the new data changes recv_x").isFalse();
            } finally {
                c.run(b -> {
                    ((CudaGraph) captured.get(b.rank())[0]).close();
                    return null;
                });
            }
        }
    }

    private static List<Map<String, HostTensor>> replay(final LocalCluster c, final List<Object[]> captured) {
        c.run(b -> {
            ((CudaGraph) captured.get(b.rank())[0]).launch();
            return null;
        });
        final List<Map<String, HostTensor>> out = new ArrayList<>();
        c.run(b -> {
            ((CudaGraph) captured.get(b.rank())[0]).synchronize();
            return null;
        });
        for (int r = 0; r < TOPO.ranks(); r++) {
            out.add(outputs((DispatchResult) captured.get(r)[1], (CombineResult) captured.get(r)[2]));
        }
        return out;
    }
}
