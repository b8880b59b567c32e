package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.contract.ContractSupport;
import dev.ep4j.api.contract.ContractSupport.NormalInputs;
import dev.ep4j.api.contract.ContractSupport.RoutingKind;
import dev.ep4j.api.contract.ContractSupport.XKind;
import dev.ep4j.api.contract.NormalHarness;
import dev.ep4j.api.contract.NormalHarness.Options;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.EpTimeoutException;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cuda backend's own rules: residency refusal for virtual ranks, what is not implemented yet, recovery after a
 * timeout (reset), 20-run determinism of a larger case, and (where two GPUs exist) one GPU per rank.
 */
@Tag("gpu")
@Timeout(180)
class CudaBackendGpuTest {
    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
    }

    @Test
    void shouldRefuseAConfigWhoseBlocksCannotAllBeResident() {
        final Topology topo = Topology.singleNode(8);
        final int sms = Cuda.device(0).multiprocessors();
        final KernelConfig huge = ContractSupport.intranodeConfig(2 * sms, 2, 8);
        final NormalInputs in = ContractSupport.normalInputs(topo, ContractSupport.sameTokens(8, 16), 128, 2, 16,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, 3);
        try (Backend b = Backends.open("cuda");
             LocalCluster c = LocalCluster.open(b, new GroupSpec(topo, ContractSupport.normalSpec(topo, 128, 2,
                 huge)))) {
            final List<Throwable> errors = c.run(buf -> catchThrowable(() -> NormalHarness.dispatch1(buf, in,
                Options.of(huge))));
            for (final Throwable e : errors) {
                assertThat(e).isInstanceOf(ConfigException.class).hasMessageContaining("co-resident")
                    .hasMessageContaining("numSms=" + 2 * sms);
            }
            // the group stays usable with a config that fits
            final KernelConfig ok = ContractSupport.intranodeConfig(8, 2, 8);
            NormalHarness.verifyDispatch("after the refusal", in, Options.of(ok), NormalHarness.dispatch(c, in,
                Options.of(ok)));
        }
    }

    @Test
    void shouldSayInternodeAndLowLatencyAreNotImplementedYet() {
        try (Backend b = Backends.open("cuda")) {
            assertThat(catchThrowable(() -> b.openGroup(new GroupSpec(new Topology(2, 2),
                BufferSpec.normal(1 << 20, 1 << 20))))).isInstanceOf(EpException.class)
                .hasMessageContaining("not implemented in the cuda backend yet");
            final Topology topo = Topology.singleNode(2);
            try (LocalCluster c = LocalCluster.open(b, new GroupSpec(topo,
                BufferSpec.lowLatency(BufferSizing.lowLatencySizeHint(8, 512, 2, 8), 4)))) {
                final HostTensor x = HostTensor.zeros(DType.BF16, 8, 512);
                final HostTensor idx = HostTensor.zeros(DType.INT64, 8, 2);
                for (int t = 0; t < 8; t++) {
                    idx.setLong(2L * t, t % 8);
                    idx.setLong(2L * t + 1, (t + 1) % 8);
                }
                final List<Throwable> errors = c.run(buf -> catchThrowable(() -> buf.lowLatencyDispatch(
                    LowLatencyDispatchRequest.of(x, idx, 8, 8))));
                for (final Throwable e : errors) {
                    assertThat(e).isInstanceOf(EpException.class).hasMessageContaining("not implemented");
                }
            }
        }
    }

    @Test
    void shouldBeUsableAgainAfterATimeoutOnceEveryRankIsReset() {
        final Topology topo = Topology.singleNode(4);
        final int missing = 2;
        final KernelConfig cfg = ContractSupport.intranodeConfig(4, 2, 8);
        final NormalInputs in = ContractSupport.normalInputs(topo, ContractSupport.sameTokens(4, 40), 256, 4, 16,
            XKind.RANDOM_BF16, RoutingKind.UNIFORM, WeightMode.NORMAL, 0, 5);
        final BufferSpec spec = ContractSupport.normalSpec(topo, 256, 4, cfg).withTimeout(Duration.ofMillis(300));
        try (Backend b = Backends.open("cuda"); LocalCluster c = LocalCluster.open(b, new GroupSpec(topo, spec))) {
            final long start = System.nanoTime();
            final List<Throwable> errors = c.run(r -> r != missing, buf -> catchThrowable(() ->
                NormalHarness.dispatch1(buf, in, Options.of(cfg))));
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until every survivor gave up")
                .isLessThan(10_000);
            for (int r = 0; r < 4; r++) {
                if (r == missing) {
                    continue;
                }
                assertThat(errors.get(r)).as("rank " + r).isInstanceOf(EpTimeoutException.class);
                final EpTimeoutException te = (EpTimeoutException) errors.get(r);
                assertThat(te.rank()).isEqualTo(r);
                assertThat(te.peer()).isEqualTo(missing);
                assertThat(te.phase()).contains("notify");
                assertThat(((CudaBuffer) c.buffer(r)).isUsable()).isFalse();
            }
            assertThat(catchThrowable(() -> NormalHarness.dispatch1(c.buffer(0), in, Options.of(cfg))))
                .isInstanceOf(EpException.class).hasMessageContaining("reset()");
            c.run(buf -> {
                ((CudaBuffer) buf).reset();
                return null;
            });
            final List<DispatchResult> d = NormalHarness.dispatch(c, in, Options.of(cfg));
            final var routes = NormalHarness.verifyDispatch("after reset", in, Options.of(cfg), d);
            final List<HostTensor> out = NormalHarness.recvX(d);
            NormalHarness.verifyCombine("after reset combine", routes, out, NormalHarness.recvWeights(d), null, null,
                NormalHarness.combine(c, d, out, NormalHarness.recvWeights(d), null, null, cfg));
        }
    }

    @Test
    void shouldGiveIdenticalHashesOverTwentyRunsOfALargerCase() {
        final IntranodeCase k = new IntranodeCase("determinism", Topology.singleNode(8),
            ContractSupport.sameTokens(8, 512), 2048, 8, 64, XKind.RANDOM_BF16, true, 0.02,
            ContractSupport.intranodeConfig(16, 6, 128), ContractSupport.intranodeConfig(16, 4, 128), 1, 0, 2, 11);
        try (Backend b = Backends.open("cuda"); LocalCluster c = LocalCluster.open(b, new GroupSpec(k.topology(),
            k.spec()))) {
            String first = null;
            for (int run = 0; run < 20; run++) {
                final List<Map<String, HostTensor>> out = k.run(c);
                final String digest = IntranodeCase.digest(out);
                if (first == null) {
                    first = digest;
                } else {
                    assertThat(digest).as("run " + run + " digest vs run 0").isEqualTo(first);
                }
            }
        }
    }

    @Test
    void shouldRunWithOneGpuPerRankWhereTwoGpusExist() {
        assumeTrue(Cuda.deviceCount() >= 2, "needs 2 GPUs for placement=per-gpu; this host has "
            + Cuda.deviceCount());
        final IntranodeCase k = new IntranodeCase("per-gpu", Topology.singleNode(2), ContractSupport.sameTokens(2,
            300), 1024, 4, 16, XKind.FP8_FLOAT_SCALES, true, 0.1, ContractSupport.intranodeConfig(8, 6, 64),
            ContractSupport.intranodeConfig(8, 4, 64), 4, 0, 1, 13);
        final List<Map<String, HostTensor>> sim;
        try (Backend b = Backends.open("sim")) {
            sim = k.run(b);
        }
        try (Backend b = Backends.open("cuda", Map.of("placement", "per-gpu"))) {
            IntranodeCase.assertSame(k + " per-gpu vs sim", sim, k.run(b));
        }
    }
}
