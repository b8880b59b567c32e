package dev.ep4j.sim.timing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.config.Configs;
import dev.ep4j.sim.pipeline.Calibration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published DeepEP rows of spec/calibration.md next to the analytical tier's predictions. The errors are
 * <i>reported</i> (printed), not asserted: matching them within 10 % is the discrete-event model's job
 * ({@code dev.ep4j.sim.pipeline.DesCalibrationTest}); the analytical tier is a lower bound on the time of the same
 * hardware parameters. What is asserted is the bottleneck attribution.
 */
class CalibrationReportTest {
    /** The published rows, shared with the discrete-event model's calibration. */
    private static final List<Calibration.Row> ROWS = Calibration.ROWS;

    private static List<CaseResult> results;

    @BeforeAll
    static void simulate() {
        final List<CaseSpec> specs = new ArrayList<>();
        for (final CaseSpec s : Study.deepSeekV3H800(Configs.defaultRoot()).cases()) {
            if (s.ep() <= (s.lowLatency() ? 16 : 32)) {
                specs.add(s);
            }
        }
        results = new ScenarioSimulator(new AnalyticalModel(), 2).run(specs, false, ScenarioSimulator.Progress.NONE);
    }

    private static TimingResult find(final String mode, final int ep, final String op) {
        for (final CaseResult c : results) {
            final TimingResult r = c.result();
            if (r.mode().equals(mode) && r.ranks() == ep && r.op().equals(op)) {
                return r;
            }
        }
        throw new AssertionError("no result for " + mode + " EP" + ep + " " + op);
    }

    @Test
    void shouldReportThePublishedRowsNextToThePredictions() {
        final StringBuilder sb = new StringBuilder("calibration.md rows vs analytical predictions\n");
        sb.append(String.format(Locale.ROOT, "%-11s %4s %-8s %9s %9s %7s %9s %9s %7s %-10s%n", "mode", "EP", "op",
            "ref GB/s", "pred GB/s", "err", "ref us", "pred us", "err", "bottleneck"));
        for (final Calibration.Row row : ROWS) {
            final TimingResult r = find(row.mode(), row.ep(), row.op());
            sb.append(String.format(Locale.ROOT, "%-11s %4d %-8s %9.1f %9.1f %+6.1f%% %9s %9.1f %7s %-10s%n",
                row.mode(), row.ep(), row.op(), row.gbps(), r.bandwidthGBps(),
                100 * (r.bandwidthGBps() - row.gbps()) / row.gbps(), row.us() > 0 ? String.valueOf(row.us()) : "-",
                r.timeUs(), row.us() > 0 ? String.format(Locale.ROOT, "%+.1f%%", 100 * (r.timeUs() - row.us())
                    / row.us()) : "-", r.bottleneck()));
            assertThat(r.timeUs()).isPositive();
        }
        System.out.print(sb);
    }

    @Test
    void shouldAttributeTheBottlenecks() {
        // intranode EP8: NVLink (DeepEP's "NVLink" column)
        assertThat(find("normal", 8, "dispatch").bottleneck()).isEqualTo("nvlink");
        assertThat(find("normal", 8, "combine").bottleneck()).isEqualTo("nvlink");
        // internode: from 4 nodes on, the NICs bind (only 1 of 4 destination nodes is the own one)
        assertThat(find("normal", 32, "dispatch").bottleneck()).isEqualTo("rdma");
        assertThat(find("normal", 32, "combine").bottleneck()).isEqualTo("rdma");
        // EP16 (2 nodes): DeepEP labels its figure "RDMA" bandwidth, but half of the (token, node) pairs stay on the
        // own node while every GPU receives ~1.23x the tokens of EP8 over NVLink (6.45 vs 5.25 destination GPUs per
        // token, 16 sources): NVLink ingress needs ~1.3 ms at the calibrated NVLink rate against ~0.63 ms of NIC time,
        // so by the bandwidth bound NVLink binds; at the measured 43 GB/s the NICs run at ~45 % of 48.5 GB/s.
        final TimingResult ep16 = find("normal", 16, "dispatch");
        assertThat(ep16.bottleneck()).isEqualTo("nvlink");
        assertThat(ep16.utilisation().get("rdma")).isBetween(0.4, 0.7);
        // low-latency: NVLink inside one node, the NICs as soon as half of the experts are remote
        assertThat(find("low-latency", 8, "dispatch").bottleneck()).isEqualTo("nvlink");
        assertThat(find("low-latency", 16, "dispatch").bottleneck()).isEqualTo("rdma");
        assertThat(find("low-latency", 16, "combine").bottleneck()).isEqualTo("rdma");
    }
}
