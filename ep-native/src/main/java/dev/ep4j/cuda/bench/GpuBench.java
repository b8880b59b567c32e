package dev.ep4j.cuda.bench;

import dev.ep4j.cuda.CopyBandwidth;
import dev.ep4j.cuda.Cuda;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GPU benchmark main class ({@code bench.sh} in the GPU bundle). Prints the machine summary and a table of the
 * device-to-device copy bandwidth (bytes read + written per second, median of the timed copies) for several sizes,
 * through {@code cudaMemcpyAsync} and through ep4j's SM copy kernel; with {@code --out DIR} it also writes
 * {@code DIR/copy_bandwidth.csv}.
 *
 * <p>Usage: {@code GpuBench [--info] [--out DIR] [--iters N] [--warmup N] [--sizes 1M,16M,256M,1G]};
 * {@code --info} prints only the library/GPU/NVSHMEM summary. Exit code 0 on success, 2 when no GPU can be used
 * (the reason is printed), 1 on bad arguments or a failure.
 */
public final class GpuBench {
    private GpuBench() {
    }

    /**
     * @param args see the class comment.
     */
    public static void main(final String[] args) {
        System.exit(run(args, System.out));
    }

    /**
     * Runs the benchmark; the testable body of {@link #main}.
     *
     * @param args command-line arguments.
     * @param out  where the table goes.
     * @return the process exit code.
     */
    public static int run(final String[] args, final PrintStream out) {
        Path outDir = null;
        int iters = 50;
        int warmup = 5;
        boolean infoOnly = false;
        final List<Long> sizes = new ArrayList<>(List.of(1L << 20, 16L << 20, 256L << 20, 1L << 30));
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--info":
                        infoOnly = true;
                        break;
                    case "--out":
                        outDir = Paths.get(args[++i]);
                        break;
                    case "--iters":
                        iters = Integer.parseInt(args[++i]);
                        break;
                    case "--warmup":
                        warmup = Integer.parseInt(args[++i]);
                        break;
                    case "--sizes":
                        sizes.clear();
                        for (final String s : args[++i].split(",")) {
                            sizes.add(parseSize(s.trim()));
                        }
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (final RuntimeException e) {
            out.println("usage: GpuBench [--info] [--out DIR] [--iters N] [--warmup N] [--sizes 1M,16M,256M,1G]: "
                + e.getMessage());
            return 1;
        }

        if (infoOnly) {
            out.println(Cuda.summary());
            return 0;
        }
        out.println("ep4j GPU benchmark");
        out.println(Cuda.summary());
        if (!Cuda.isAvailable()) {
            out.println("SKIPPED: no usable GPU: " + Cuda.unavailableReason());
            return 2;
        }
        out.println();
        out.printf(Locale.ROOT, "copy bandwidth, device to device, bytes read + written per second, median of %d "
            + "copies after %d warm-up%n", iters, warmup);
        out.printf(Locale.ROOT, "%12s  %-9s  %12s  %12s  %12s  %10s%n", "bytes", "mode", "median_us", "min_us",
            "max_us", "GB/s");
        final StringBuilder csv = new StringBuilder("bytes,mode,iterations,median_s,min_s,max_s,bytes_per_s\n");
        for (final long size : sizes) {
            for (final CopyBandwidth.Mode mode : CopyBandwidth.Mode.values()) {
                final CopyBandwidth.Result r = CopyBandwidth.measure(size, iters, warmup, mode);
                out.printf(Locale.ROOT, "%12d  %-9s  %12.2f  %12.2f  %12.2f  %10.1f%n", size, mode,
                    r.medianSeconds() * 1e6, r.minSeconds() * 1e6, r.maxSeconds() * 1e6, r.gbPerSecond());
                csv.append(String.format(Locale.ROOT, "%d,%s,%d,%.9e,%.9e,%.9e,%.6e%n", size, mode, iters,
                    r.medianSeconds(), r.minSeconds(), r.maxSeconds(), r.bytesPerSecond()));
            }
        }
        if (outDir != null) {
            try {
                Files.createDirectories(outDir);
                Files.writeString(outDir.resolve("copy_bandwidth.csv"), csv, StandardCharsets.UTF_8);
                out.println("wrote " + outDir.resolve("copy_bandwidth.csv"));
            } catch (final IOException e) {
                out.println("could not write " + outDir + ": " + e);
                return 1;
            }
        }
        return 0;
    }

    private static long parseSize(final String s) {
        final String u = s.toUpperCase(Locale.ROOT);
        final char last = u.charAt(u.length() - 1);
        final long mul = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : last == 'G' ? 1L << 30 : 1L;
        return Long.parseLong(mul == 1 ? u : u.substring(0, u.length() - 1)) * mul;
    }
}
