package dev.ep4j.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.LowLatencyReference.Cast;
import dev.ep4j.sim.LowLatencyReference.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Low-latency dispatch of the sim against the independent reference of {@link LowLatencyReference}. */
class SimLowLatencyDispatchTest {

    static Stream<Arguments> cases() {
        final List<Arguments> out = new ArrayList<>();
        final int[][] topologies = {{1, 2}, {1, 4}, {2, 4}, {3, 3}};
        for (final int[] topo : topologies) {
            for (final Cast cast : Cast.values()) {
                for (final boolean hook : new boolean[] {false, true}) {
                    out.add(Arguments.of(topo[0], topo[1], cast, hook));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}x{1} {2} hook={3}")
    @MethodSource("cases")
    void shouldPackEveryRanksMessagesExactly(final int nodes, final int gpus, final Cast cast, final boolean hook) {
        final Scenario sc = Scenario.of(new Topology(nodes, gpus), 11L * nodes + gpus);
        final int r = sc.ranks();
        final HostTensor[] xs = new HostTensor[r];
        final HostTensor[] topks = new HostTensor[r];
        for (int i = 0; i < r; i++) {
            xs[i] = sc.x(i);
            topks[i] = sc.topk(i);
        }
        final HostTensor[] stats = new HostTensor[r];
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final List<LowLatencyDispatchResult> results = cluster.run(buf -> {
                final int me = buf.rank();
                stats[me] = HostTensor.zeros(DType.INT32, sc.local());
                for (int e = 0; e < sc.local(); e++) {
                    stats[me].setInt(e, 7 + e);
                }
                return buf.lowLatencyDispatch(new LowLatencyDispatchRequest(xs[me], topks[me], sc.tMax(),
                    sc.experts(), cast.fp8, cast.round, cast.ue8m0, hook, stats[me]));
            });
            if (hook) {
                for (final LowLatencyDispatchResult res : results) {
                    assertThat(res.hook()).isNotNull();
                    final HostTensor count = res.recvCount().hostView();
                    final HostTensor src = res.handle().srcInfo().hostView();
                    assertThat(count.contentEquals(HostTensor.zeros(DType.INT32, sc.local())))
                        .as("counts before the hook runs").isTrue();
                    assertThat(src.contentEquals(HostTensor.zeros(DType.INT32, sc.local(), sc.rows())))
                        .as("srcInfo before the hook runs").isTrue();
                }
                cluster.run(buf -> {
                    results.get(buf.rank()).hook().receive();
                    return null;
                });
                for (final LowLatencyDispatchResult res : results) {
                    assertThatThrownBy(() -> res.hook().receive()).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already called");
                }
            } else {
                results.forEach(res -> assertThat(res.hook()).isNull());
            }
            for (int me = 0; me < r; me++) {
                final LowLatencyDispatchResult res = results.get(me);
                LowLatencyReference.assertDispatch(sc, me, res, xs, topks, cast);
                assertThat(res.stats().op()).isEqualTo("lowLatencyDispatch");
                for (int e = 0; e < sc.local(); e++) {
                    assertThat(stats[me].getInt(e)).as("cumulative stats").isEqualTo(7 + e
                        + res.recvCount().hostView().getInt(e));
                }
            }
        }
    }
}
