package dev.ep4j.sim.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ep4j.api.config.Configs;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped H800 parameters (configs/hardware/gpu/h800.json, fitted by {@link Calibration#fit()}) reproduce every
 * published row of spec/calibration.md within 10 %, with the bottleneck the model's physics gives. A change to the
 * model that moves a row out of tolerance fails here and needs a re-calibration (docs/calibration.md).
 */
class DesCalibrationTest {
    @Test
    void shouldReproduceEveryPublishedRowWithinTenPercent() {
        final List<Calibration.Residual> rs = new Calibration(Configs.defaultRoot()).residuals(Double.NaN, Double.NaN);
        System.out.print(Calibration.table(rs));
        assertThat(rs).hasSize(Calibration.ROWS.size());
        for (final Calibration.Residual r : rs) {
            assertThat(Math.abs(r.error())).as("%s EP%d %s: %.1f GB/s vs %.1f", r.row().mode(), r.row().ep(),
                r.row().op(), r.predictedGBps(), r.row().gbps()).isLessThanOrEqualTo(0.10);
            if (r.row().ep() == 8) {
                assertThat(r.bottleneck()).isEqualTo("nvlink");
            }
            if (r.row().mode().equals("low-latency") && r.row().ep() == 16) {
                assertThat(r.bottleneck()).isEqualTo("rdma");
            }
            if (r.row().mode().equals("normal") && r.row().ep() == 16) {
                // by the byte counts, NVLink (forwarding into 8 GPUs) binds before the NICs at 2 nodes
                assertThat(r.bottleneck()).isEqualTo("nvlink");
            }
        }
    }
}
