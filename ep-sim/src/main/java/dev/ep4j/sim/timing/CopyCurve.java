package dev.ep4j.sim.timing;

import dev.ep4j.api.config.SharedGpuSpec;
import dev.ep4j.api.config.SmCopyPoint;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GPU's aggregate SM copy throughput as a function of the bytes its copying threads keep in flight (Little's law:
 * throughput = bytes in flight / latency, the latency growing as HBM fills up). Built from the measured probe points
 * of a {@link SharedGpuSpec}: each (blocks, threads per block) point sits at {@code blocks · threads ·
 * probeBytesPerThread} bytes in flight; points at the same abscissa are averaged (on the H100 table the three block
 * sizes agree there within 3 %, which is what makes one curve a fair reading). Between points the curve is linear,
 * below the first it is linear from the origin, beyond the last it stays flat.
 *
 * <p>Immutable and thread-safe.
 */
final class CopyCurve {
    private final double[] inFlight;
    private final double[] gbps;

    /**
     * @param spec the measured facts of the shared GPU.
     */
    CopyCurve(final SharedGpuSpec spec) {
        final Map<Double, double[]> sums = new TreeMap<>();
        for (final SmCopyPoint p : spec.smCopyCurve()) {
            final double x = (double) p.blocks() * p.threadsPerBlock() * spec.probeBytesPerThread();
            final double[] s = sums.computeIfAbsent(x, k -> new double[2]);
            s[0] += p.copyGBps();
            s[1]++;
        }
        inFlight = new double[sums.size() + 1];
        gbps = new double[sums.size() + 1];
        int i = 1;
        for (final Map.Entry<Double, double[]> e : sums.entrySet()) {
            inFlight[i] = e.getKey();
            gbps[i] = e.getValue()[0] / e.getValue()[1];
            i++;
        }
    }

    /**
     * @param bytesInFlight bytes the copying threads of the whole GPU keep in flight, &gt;= 0.
     * @return their aggregate copy throughput, bytes read plus written, GB/s.
     */
    double gbps(final double bytesInFlight) {
        final int last = inFlight.length - 1;
        if (bytesInFlight >= inFlight[last]) {
            return gbps[last];
        }
        int i = 1;
        while (inFlight[i] < bytesInFlight) {
            i++;
        }
        final double f = (bytesInFlight - inFlight[i - 1]) / (inFlight[i] - inFlight[i - 1]);
        return gbps[i - 1] + f * (gbps[i] - gbps[i - 1]);
    }
}
