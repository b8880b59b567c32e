package dev.ep4j.api.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractReference.LlInputs;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.contract.LowLatencyHarness.Cast;
import dev.ep4j.api.contract.LowLatencyHarness.Data;
import dev.ep4j.api.contract.NormalHarness.Options;
import dev.ep4j.api.error.EpTimeoutException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.topology.Topology;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rank that never arrives: with a short {@link BufferSpec#timeout()}, every other rank fails with
 * {@link EpTimeoutException} naming the missing rank ({@code peer()}, or the message), within a bounded time.
 *
 * <p>Use: extend it and implement {@link #openBackend()}; every test needs {@link ContractSupport#TIMEOUT}, and the
 * internode and low-latency cases need {@link ContractSupport#INTERNODE} and {@link ContractSupport#LOW_LATENCY}.
 */
@Timeout(60)
public abstract class TimeoutContractTests extends BackendContract {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** Generous bound on how long the survivors may take to give up (the timeout is 300 ms). */
    private static final long GIVE_UP_MS = 15_000;
    private static final int H = 256;
    private static final int K = 4;
    private static final long SEED = 5;

    private static void assertNamesMissingRank(final String what, final List<Throwable> errors, final int missing,
        final long elapsedMs) {
        assertThat(elapsedMs).as(what + ": survivors gave up after " + elapsedMs + " ms (timeout " + TIMEOUT + ")")
            .isLessThan(GIVE_UP_MS);
        // "rank 2", "rank=2", "rank(s) [2]", "ranks [1, 2]"
        final Pattern names = Pattern.compile("rank(?:s|\\(s\\))?\\s*[=:]?\\s*\\[?(?:\\d+\\s*,\\s*)*" + missing
            + "(?!\\d)");
        for (int r = 0; r < errors.size(); r++) {
            if (r == missing) {
                assertThat(errors.get(r)).as(what + ": the missing rank ran nothing").isNull();
                continue;
            }
            final Throwable e = errors.get(r);
            assertThat(e).as(what + ": rank " + r).isInstanceOf(EpTimeoutException.class);
            final EpTimeoutException te = (EpTimeoutException) e;
            assertThat(te.peer() == missing || names.matcher(te.getMessage()).find())
                .as(what + ": rank " + r + " names missing rank " + missing + " (peer()=" + te.peer() + ", message: "
                    + te.getMessage() + ")").isTrue();
        }
    }

    private void normalDispatchWithoutOneRank(final Topology topology, final int missing) {
        requires(ContractSupport.TIMEOUT);
        requiresTopology(topology);
        final int e = 4 * topology.ranks();
        final NormalInputs in = ContractSupport.normalInputs(topology, ContractSupport.sameTokens(topology.ranks(),
            32), H, K, e, XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, SEED);
        final KernelConfig cfg = ContractSupport.config(topology.nodes(), 4, 2, 0);
        final BufferSpec spec = ContractSupport.normalSpec(topology, H, K, cfg).withTimeout(TIMEOUT);
        try (LocalCluster c = open(topology, spec)) {
            final long start = System.nanoTime();
            final List<Throwable> errors = c.run(r -> r != missing, b -> catchThrowable(() -> NormalHarness.dispatch1(
                b, in, Options.of(cfg))));
            assertNamesMissingRank(topology + " dispatch without rank " + missing, errors, missing,
                (System.nanoTime() - start) / 1_000_000);
        }
    }

    @Test
    void shouldNameTheMissingRankWhenAnIntranodeDispatchPeerNeverArrives() {
        normalDispatchWithoutOneRank(Topology.singleNode(4), 2);
    }

    @Test
    void shouldNameTheMissingRankWhenAnInternodeDispatchPeerNeverArrives() {
        normalDispatchWithoutOneRank(new Topology(2, 2), 3);
    }

    @Test
    void shouldNameTheMissingRankWhenACombinePeerNeverArrives() {
        requires(ContractSupport.TIMEOUT);
        final Topology topology = Topology.singleNode(4);
        final int missing = 0;
        final NormalInputs in = ContractSupport.normalInputs(topology, ContractSupport.sameTokens(4, 32), H, K, 16,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, SEED);
        final KernelConfig cfg = ContractSupport.config(1, 4, 2, 0);
        try (LocalCluster c = open(topology, ContractSupport.normalSpec(topology, H, K, cfg).withTimeout(TIMEOUT))) {
            final List<DispatchResult> d = NormalHarness.dispatch(c, in, Options.of(cfg));
            final long start = System.nanoTime();
            final List<Throwable> errors = c.run(r -> r != missing, b -> catchThrowable(() -> b.combine(
                dev.ep4j.api.op.CombineRequest.of(d.get(b.rank()).recvX(), d.get(b.rank()).handle())
                    .withConfig(cfg))));
            assertNamesMissingRank(topology + " combine without rank " + missing, errors, missing,
                (System.nanoTime() - start) / 1_000_000);
        }
    }

    @Test
    void shouldNameTheMissingRankWhenALowLatencyDispatchPeerNeverArrives() {
        requires(ContractSupport.TIMEOUT);
        requires(ContractSupport.LOW_LATENCY);
        final Topology topology = Topology.singleNode(4);
        final int missing = 1;
        final LlInputs in = LowLatencyHarness.inputs(topology, 8, 512, 8, ContractSupport.sameTokens(4, 8), K,
            Data.RANDOM, SEED);
        try (LocalCluster c = open(topology, LowLatencyHarness.spec(in).withTimeout(TIMEOUT))) {
            c.run(b -> {
                b.cleanLowLatencyBuffer(in.maxTokens(), in.hidden(), in.experts());
                return null;
            });
            final long start = System.nanoTime();
            final List<Throwable> errors = c.run(r -> r != missing, b -> catchThrowable(() -> b.lowLatencyDispatch(
                new LowLatencyDispatchRequest(in.x().get(b.rank()), in.topkIdx().get(b.rank()), in.maxTokens(),
                    in.experts(), Cast.BF16.fp8(), false, false, false, null))));
            assertNamesMissingRank(topology + " low-latency dispatch without rank " + missing, errors, missing,
                (System.nanoTime() - start) / 1_000_000);
        }
    }
}
