package dev.ep4j.sim.cli;

import dev.ep4j.api.config.Configs;
import dev.ep4j.sim.pipeline.Calibration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j calibrate}: the discrete-event model against the published DeepEP rows of spec/calibration.md —
 * the residuals of the shipped H800 parameters, and with {@code --fit} the two-step fit that produced them
 * ({@link Calibration}; procedure in docs/calibration.md).
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = {"Compare the discrete-event model with the published DeepEP H800 rows (spec/calibration.md);"
        + " with --fit, re-fit the free parameters (NVLink effective rate, low-latency fixed cost) first."})
final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--fit", description = "Re-fit the parameters (about 30 s) and print the fitted values.")
    boolean fit;

    @Override
    public Integer call() {
        final Calibration c = new Calibration(Configs.defaultRoot());
        System.out.println("ep4j calibrate: DeepSeek-V3 on H800 + CX7, discrete-event model");
        System.out.println("shipped parameters (configs/hardware/gpu/h800.json):");
        System.out.print(Calibration.table(c.residuals(Double.NaN, Double.NaN)));
        if (fit) {
            final long t0 = System.nanoTime();
            final Calibration.Fit f = c.fit();
            System.out.println();
            System.out.printf(Locale.ROOT, "fitted in %.1f s: nvlinkEffectiveBandwidthGBps %.2f,"
                + " lowLatencyKernelFixedNs %.0f%n", (System.nanoTime() - t0) / 1e9, f.nvlinkEffectiveBandwidthGBps(),
                f.lowLatencyKernelFixedNs());
            System.out.print(Calibration.table(f.residuals()));
        }
        return 0;
    }
}
