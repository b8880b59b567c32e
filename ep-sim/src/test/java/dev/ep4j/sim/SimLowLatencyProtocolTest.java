package dev.ep4j.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.EpTimeoutException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.sim.LowLatencyReference.Cast;
import dev.ep4j.sim.LowLatencyReference.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** Two-phase hooks, ping-pong and zero-copy, timeouts, agreement, clean and determinism of the sim's LL mode. */
class SimLowLatencyProtocolTest {

    private static HostTensor[] each(final Scenario sc, final IntFunction<HostTensor> f) {
        final HostTensor[] out = new HostTensor[sc.ranks()];
        for (int r = 0; r < out.length; r++) {
            out[r] = f.apply(r);
        }
        return out;
    }

    private static LowLatencyDispatchRequest request(final Scenario sc, final HostTensor x, final HostTensor topk,
        final Cast cast, final boolean hook) {
        return new LowLatencyDispatchRequest(x, topk, sc.tMax(), sc.experts(), cast.fp8, cast.round, cast.ue8m0,
            hook, null);
    }

    @Test
    void shouldReturnFromTheSendPhaseBeforeThePeersArrive() {
        final Scenario sc = Scenario.of(new Topology(1, 4), 21);
        final HostTensor[] xs = each(sc, sc::x);
        final HostTensor[] topks = each(sc, sc::topk);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final LowLatencyDispatchResult[] results = new LowLatencyDispatchResult[sc.ranks()];
            // Rank 0 alone: its send phase must not wait for the others.
            cluster.run(r -> r == 0, buf -> results[0] = buf.lowLatencyDispatch(request(sc, xs[0], topks[0],
                Cast.FP8, true)));
            cluster.run(r -> r != 0, buf -> results[buf.rank()] = buf.lowLatencyDispatch(request(sc,
                xs[buf.rank()], topks[buf.rank()], Cast.FP8, true)));
            // The inputs were read at call time: scribbling on them now changes nothing.
            for (final HostTensor x : xs) {
                for (int b = 0; b < x.byteSize(); b++) {
                    x.buffer().put(b, (byte) 0x55);
                }
            }
            cluster.run(buf -> {
                results[buf.rank()].hook().receive();
                return null;
            });
            final HostTensor[] fresh = each(sc, sc::x);
            for (int me = 0; me < sc.ranks(); me++) {
                LowLatencyReference.assertDispatch(sc, me, results[me], fresh, topks, Cast.FP8);
            }
        }
    }

    @Test
    void shouldRunThreeRoundsOverBothPingPongBuffers() {
        final Topology topology = new Topology(2, 4);
        final Scenario[] rounds = {Scenario.of(topology, 31), Scenario.of(topology, 32), Scenario.of(topology, 33)};
        final Scenario first = rounds[0];
        final int r = first.ranks();
        final Tensor[][] views = new Tensor[3][r];
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(topology, first.spec()))) {
            for (int round = 0; round < 3; round++) {
                final Scenario sc = rounds[round];
                final int n = round;
                final HostTensor[] xs = each(sc, sc::x);
                final HostTensor[] topks = each(sc, sc::topk);
                final HostTensor[] ws = each(sc, sc::weights);
                final HostTensor[] expertOut = each(sc, i -> sc.expertOut(i, false));
                final LowLatencyHandle[] handles = new LowLatencyHandle[r];
                final List<LowLatencyCombineResult> out = cluster.run(buf -> {
                    final int me = buf.rank();
                    if (n == 1) {
                        // An extra dispatch (a different routing) moves the next combine to the other buffer.
                        buf.lowLatencyDispatch(request(sc, xs[me], rounds[0].topk(me), Cast.BF16, false));
                    }
                    final LowLatencyDispatchResult d = buf.lowLatencyDispatch(request(sc, xs[me], topks[me],
                        Cast.FP8, n == 2));
                    if (d.hook() != null) {
                        d.hook().receive();
                    }
                    handles[me] = d.handle();
                    final HostTensor view = buf.nextLowLatencyCombineBuffer(d.handle()).hostView();
                    views[n][me] = view;
                    view.buffer().put(0, expertOut[me].buffer(), 0, (int) view.byteSize());
                    final LowLatencyCombineResult c = buf.lowLatencyCombine(new LowLatencyCombineRequest(null,
                        topks[me], ws[me], d.handle(), false, true, n == 2));
                    if (c.hook() != null) {
                        c.hook().receive();
                    }
                    return c;
                });
                for (int me = 0; me < r; me++) {
                    LowLatencyReference.assertSame("round " + n + " rank " + me, out.get(me).combinedX(),
                        LowLatencyReference.combine(sc, me, topks[me], ws[me], expertOut, handles, false));
                }
            }
        }
        for (int me = 0; me < r; me++) {
            // Round 1 combines on buffer 1, round 2 (two dispatches) on buffer 0, round 3 on buffer 0 again.
            assertThat(views[1][me]).isNotSameAs(views[0][me]);
            assertThat(views[2][me]).isSameAs(views[1][me]);
        }
    }

    @Test
    void shouldRefuseZeroCopyWithoutTheCombineBuffer() {
        final Scenario sc = Scenario.of(new Topology(1, 2), 41);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final List<LowLatencyDispatchResult> d = cluster.run(buf -> buf.lowLatencyDispatch(request(sc,
                sc.x(buf.rank()), sc.topk(buf.rank()), Cast.BF16, false)));
            final EpBuffer buf = cluster.buffer(0);
            assertThatThrownBy(() -> buf.lowLatencyCombine(new LowLatencyCombineRequest(null, sc.topk(0),
                sc.weights(0), d.get(0).handle(), false, true, false))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("nextLowLatencyCombineBuffer");
        }
    }

    @Test
    void shouldTimeOutNamingARankThatNeverDispatches() {
        final Scenario sc = Scenario.of(new Topology(1, 4), 51);
        final BufferSpec spec = sc.spec().withTimeout(Duration.ofMillis(300));
        for (final boolean hook : new boolean[] {false, true}) {
            try (Backend sim = Backends.open("sim");
                 LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), spec))) {
                assertThatThrownBy(() -> cluster.run(r -> r != 3, buf -> {
                    final LowLatencyDispatchResult d = buf.lowLatencyDispatch(request(sc, sc.x(buf.rank()),
                        sc.topk(buf.rank()), Cast.FP8, hook));
                    if (hook) {
                        d.hook().receive();
                    }
                    return d;
                })).satisfies(e -> assertTimeoutNaming(e, 3));
            }
        }
    }

    @Test
    void shouldTimeOutNamingARankThatNeverRunsItsHook() {
        final Scenario sc = Scenario.of(new Topology(1, 4), 52);
        final BufferSpec spec = sc.spec().withTimeout(Duration.ofMillis(300));
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), spec))) {
            final List<LowLatencyDispatchResult> d = cluster.run(buf -> buf.lowLatencyDispatch(request(sc,
                sc.x(buf.rank()), sc.topk(buf.rank()), Cast.BF16, true)));
            assertThatThrownBy(() -> cluster.run(r -> r != 2, buf -> {
                d.get(buf.rank()).hook().receive();
                return null;
            })).satisfies(e -> assertTimeoutNaming(e, 2));
        }
    }

    private static void assertTimeoutNaming(final Throwable thrown, final int missing) {
        final List<Throwable> all = new ArrayList<>();
        all.add(thrown);
        all.addAll(List.of(thrown.getSuppressed()));
        assertThat(all).allSatisfy(e -> assertThat(e).isInstanceOf(EpException.class)
            .hasMessageContaining("rank(s) [" + missing + "]"));
        assertThat(all).anySatisfy(e -> {
            assertThat(e).isInstanceOf(EpTimeoutException.class);
            assertThat(((EpTimeoutException) e).peer()).isEqualTo(missing);
        });
    }

    @Test
    void shouldFailEveryRankWhenTheCastOptionsDisagree() {
        final Scenario sc = Scenario.of(new Topology(1, 4), 61);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final List<String> errors = cluster.run(buf -> {
                final int me = buf.rank();
                try {
                    buf.lowLatencyDispatch(request(sc, sc.x(me), sc.topk(me), me == 2 ? Cast.BF16 : Cast.FP8, false));
                    return "no error";
                } catch (final InvalidInputException e) {
                    return e.getMessage();
                }
            });
            assertThat(errors).allSatisfy(m -> assertThat(m).contains("useFp8").contains("rank 2"));
            // The group stays usable.
            final List<LowLatencyDispatchResult> ok = cluster.run(buf -> buf.lowLatencyDispatch(request(sc,
                sc.x(buf.rank()), sc.topk(buf.rank()), Cast.BF16, false)));
            assertThat(ok).hasSize(sc.ranks());
        }
    }

    @Test
    void shouldFailTheRankWhoseCombineTopkWasNotDispatched() {
        final Scenario sc = Scenario.of(new Topology(1, 2), 71);
        final HostTensor[] topks = each(sc, sc::topk);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            final List<String> errors = cluster.run(buf -> {
                final int me = buf.rank();
                final LowLatencyDispatchResult d = buf.lowLatencyDispatch(request(sc, sc.x(me), topks[me],
                    Cast.BF16, false));
                final HostTensor idx = topks[me].copy();
                if (me == 1) {
                    // Swap one selection to an expert the token was not sent to.
                    long other = 0;
                    while (LowLatencyReference.selects(idx, 0, other)) {
                        other++;
                    }
                    idx.setLong(idx.getLong(0) >= 0 ? 0 : 1, other);
                }
                try {
                    buf.lowLatencyCombine(LowLatencyCombineRequest.of(sc.expertOut(me, false), idx, sc.weights(me),
                        d.handle()));
                    return "no error";
                } catch (final InvalidInputException e) {
                    return e.getMessage();
                }
            });
            assertThat(errors.get(0)).isEqualTo("no error");
            assertThat(errors.get(1)).contains("rank 1: topkIdx[0]").contains("did not receive it");
        }
    }

    @Test
    void shouldCleanAsACollectiveAndCheckItsArguments() {
        final Scenario sc = Scenario.of(new Topology(1, 4), 81);
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            cluster.run(buf -> {
                buf.cleanLowLatencyBuffer(sc.tMax(), sc.hidden(), sc.experts());
                return null;
            });
            final List<String> errors = cluster.run(buf -> {
                try {
                    buf.cleanLowLatencyBuffer(sc.tMax(), buf.rank() == 1 ? sc.hidden() / 2 : sc.hidden(),
                        sc.experts());
                    return "no error";
                } catch (final InvalidInputException e) {
                    return e.getMessage();
                }
            });
            assertThat(errors).allSatisfy(m -> assertThat(m).contains("cleanLowLatencyBuffer").contains("rank 1"));
            final List<LowLatencyDispatchResult> d = cluster.run(buf -> buf.lowLatencyDispatch(request(sc,
                sc.x(buf.rank()), sc.topk(buf.rank()), Cast.FP8, false)));
            LowLatencyReference.assertDispatch(sc, 0, d.get(0), each(sc, sc::x), each(sc, sc::topk), Cast.FP8);
        }
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), BufferSpec.normal(1 << 20)))) {
            assertThatThrownBy(() -> cluster.buffer(0).cleanLowLatencyBuffer(sc.tMax(), sc.hidden(), sc.experts()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("lowLatencyMode=false");
        }
    }

    @Test
    void shouldBeByteIdenticalOverTwentyRepeats() {
        final Scenario sc = Scenario.of(new Topology(2, 4), 91);
        final int r = sc.ranks();
        final HostTensor[] xs = each(sc, sc::x);
        final HostTensor[] topks = each(sc, sc::topk);
        final HostTensor[] ws = each(sc, sc::weights);
        final HostTensor[] expertOut = each(sc, i -> sc.expertOut(i, true));
        List<List<HostTensor>> reference = null;
        try (Backend sim = Backends.open("sim");
             LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(sc.topology(), sc.spec()))) {
            for (int repeat = 0; repeat < 20; repeat++) {
                final List<List<HostTensor>> out = cluster.run(buf -> {
                    final int me = buf.rank();
                    final LowLatencyDispatchResult d = buf.lowLatencyDispatch(request(sc, xs[me], topks[me],
                        Cast.FP8_UE8M0, false));
                    final LowLatencyCombineResult c = buf.lowLatencyCombine(new LowLatencyCombineRequest(
                        expertOut[me], topks[me], ws[me], d.handle(), true, false, false));
                    return List.of(d.recvX().hostView(), d.recvXScales().hostView(), d.recvCount().hostView(),
                        d.handle().srcInfo().hostView(), d.handle().layoutRange().hostView(),
                        c.combinedX().hostView());
                });
                if (reference == null) {
                    reference = out;
                    continue;
                }
                for (int me = 0; me < r; me++) {
                    for (int i = 0; i < out.get(me).size(); i++) {
                        assertThat(out.get(me).get(i).contentEquals(reference.get(me).get(i)))
                            .as("repeat %d rank %d output %d", repeat, me, i).isTrue();
                    }
                }
            }
        }
    }
}
