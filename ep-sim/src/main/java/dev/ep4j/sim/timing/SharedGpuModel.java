package dev.ep4j.sim.timing;

import dev.ep4j.api.config.GpuProfile;
import dev.ep4j.api.config.SharedGpuSpec;
import dev.ep4j.api.error.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analytical tier for virtual ranks sharing one GPU (a topology with
 * {@link dev.ep4j.api.config.TopologyConfig#sharedGpu()}, the cuda backend's {@code placement=virtual}): all R ranks'
 * intranode kernels run at once on one GPU, so their "NVLink" traffic is that GPU's HBM traffic and their blocks
 * share its memory system. {@link AnalyticalModel} delegates such cases here. Per kernel
 * <pre>
 *   main = t_fixed + fill + max(HBM bytes / hbmCopyGBps, max over blocks (block bytes / per-block rate))
 * </pre>
 * <ul>
 *   <li><b>HBM</b> (one resource for all ranks), bytes counted as {@code IntranodeBench} counts them: dispatch reads
 *       every sent token row once (re-reads for further destinations hit L2) and moves each received record three
 *       times (ring write, ring read, output write); combine moves each returned row three times (expert output
 *       read, ring write, ring read) and writes every token of every rank. Ring traffic that L2 serves is counted
 *       too, so this term is an upper bound of the DRAM time.</li>
 *   <li><b>SM</b>: the {@code B = R · numSms} blocks (one per SM; more cannot all be resident on the GPU and are
 *       refused) of {@link #blockThreads} threads keep {@value #KERNEL_BYTES_IN_FLIGHT_PER_THREAD} bytes per thread in
 *       flight, and together copy at the measured {@link CopyCurve} rate for {@code B · threads · 64} bytes in
 *       flight; each block gets {@code 1/B} of it. A block's bytes are read plus written (as the curve counts):
 *       dispatch sender {@code 2 · records sent}, receiver {@code 2 · records received}; combine sender {@code 2 ·
 *       records returned}, reducer {@code records read + 2H · tokens of its channel written}.</li>
 *   <li>{@code t_fixed = 3 · localFlagLatencyNs} (channel offsets, last chunk, tail: flags seen through L2) and
 *       {@code fill} = one chunk of records moved by one block (the two-stage pipeline's fill), as in
 *       {@link AnalyticalModel}.</li>
 * </ul>
 * Kernel launch skew between the ranks' streams, the L2 serving ring slots, and the wait/poll overhead of chunk hand
 * offs are not modelled. Every parameter comes from the topology's measured facts and the kernels' source; nothing is
 * fitted. Normal kernels only. Stateless and thread-safe.
 */
public final class SharedGpuModel {
    /** Class of the shared GPU's HBM. */
    public static final String HBM = "hbm";
    /**
     * Bytes each kernel thread keeps in flight: {@code warp_copy16} (intranode_common.cuh) issues four 16-byte loads
     * per lane before its stores; the combine reducer holds two columns of the current and of the next source.
     */
    public static final int KERNEL_BYTES_IN_FLIGHT_PER_THREAD = 64;

    private SharedGpuModel() {
    }

    /**
     * @param c a kernel.
     * @return true when its topology puts every rank on one GPU.
     */
    public static boolean applies(final TimingCase c) {
        return c.hardware().topology().sharedGpu() != null;
    }

    /**
     * @param ranks R.
     * @return threads per block of the intranode kernels: 16 warps, one warp per peer beyond 16
     *     ({@code ep4j_intra_block_threads}).
     */
    public static int blockThreads(final int ranks) {
        return 32 * Math.max(16, ranks);
    }

    /**
     * @param spec   the shared GPU.
     * @param blocks blocks of all ranks copying at once.
     * @param ranks  R (sets the block size).
     * @return each block's copy rate, bytes read plus written, GB/s.
     */
    public static double perBlockGBps(final SharedGpuSpec spec, final int blocks, final int ranks) {
        final double inFlight = (double) blocks * blockThreads(ranks) * KERNEL_BYTES_IN_FLIGHT_PER_THREAD;
        return new CopyCurve(spec).gbps(inFlight) / blocks;
    }

    /**
     * @param c a normal kernel on a shared GPU.
     * @return its HBM bytes (see the class comment).
     */
    public static long hbmBytes(final TimingCase c) {
        final Traffic t = c.traffic();
        final int r = c.shape().ranks();
        final long rec = Accounting.recordBytes(c);
        long moved = 0;
        for (int s = 0; s < r; s++) {
            for (int d = 0; d < r; d++) {
                moved += 3 * t.tokens(s, d) * rec;
            }
        }
        long ends = 0;
        for (int s = 0; s < r; s++) {
            ends += c.op() == OpKind.DISPATCH ? t.nodeTokens(s, 0) * Accounting.tokenBytes(c.hidden(), c.fp8())
                : (long) t.tokens(s) * 2L * c.hidden();
        }
        return moved + ends;
    }

    /**
     * The bandwidth bound (no latency, no fill).
     *
     * @param c a normal kernel on a shared GPU.
     * @return the bound with its attribution.
     * @throws UnsupportedOperationException for low-latency kernels.
     * @throws ConfigException when the ranks' blocks exceed the GPU's SMs.
     */
    public static AnalyticalBound bound(final TimingCase c) {
        if (c.op() != OpKind.DISPATCH && c.op() != OpKind.COMBINE) {
            throw new UnsupportedOperationException("low-latency kernels on a shared GPU are not modelled");
        }
        final SharedGpuSpec spec = c.hardware().topology().sharedGpu();
        final GpuProfile gpu = c.hardware().gpu();
        final int r = c.shape().ranks();
        final Traffic t = c.traffic();
        final int ch = t.channels();
        final int blocks = r * 2 * ch;
        if (blocks > gpu.smCount()) {
            throw new ConfigException(r + " ranks x " + 2 * ch + " SMs = " + blocks + " blocks exceed the "
                + gpu.smCount() + " SMs of " + gpu.id() + ": the kernels of all ranks cannot be resident at once");
        }
        final double perBlock = perBlockGBps(spec, blocks, r);
        final List<ResourceLoad> loads = new ArrayList<>();
        loads.add(ResourceLoad.bytes(HBM, "gpu hbm", 0, hbmBytes(c), spec.hbmCopyGBps()));
        final long rec = Accounting.recordBytes(c);
        final long row = 2L * c.hidden();
        final boolean combine = c.op() == OpKind.COMBINE;
        for (int x = 0; x < r; x++) {
            final int q = Math.max(1, (t.tokens(x) + ch - 1) / ch);
            final long[] best = {-1, -1};
            final int[] at = {0, 0};
            for (int k = 0; k < ch; k++) {
                long out = 0;
                long in = 0;
                for (int y = 0; y < r; y++) {
                    out += t.tokens(x, y, k);
                    in += t.tokens(y, x, k);
                }
                final long chanTokens = Math.max(0, Math.min(t.tokens(x), (long) q * (k + 1)) - (long) q * k);
                final long send = combine ? 2 * in * rec : 2 * out * rec;
                final long recv = combine ? out * rec + chanTokens * row : 2 * in * rec;
                final long[] bytes = {send, recv};
                for (int role = 0; role < 2; role++) {
                    if (bytes[role] > best[role]) {
                        best[role] = bytes[role];
                        at[role] = k;
                    }
                }
            }
            final String[] roles = {"sender", combine ? "reducer" : "receiver"};
            for (int role = 0; role < 2; role++) {
                if (best[role] > 0) {
                    loads.add(ResourceLoad.bytes(Accounting.SM, "rank" + x + " sm ch" + at[role] + " " + roles[role],
                        x, best[role], perBlock));
                }
            }
        }
        return fromLoads(loads, r);
    }

    private static AnalyticalBound fromLoads(final List<ResourceLoad> loads, final int ranks) {
        final Map<String, Double> classUs = new LinkedHashMap<>();
        final Map<String, String> classResource = new LinkedHashMap<>();
        final Map<String, Long> classBytes = new LinkedHashMap<>();
        final double[] rankUs = new double[ranks];
        double best = 0;
        String bottleneck = HBM;
        String resource = "";
        double hbm = 0;
        for (final ResourceLoad l : loads) {
            final double us = l.us();
            if (us > classUs.getOrDefault(l.resourceClass(), -1.0)) {
                classUs.put(l.resourceClass(), us);
                classResource.put(l.resourceClass(), l.resource());
                classBytes.put(l.resourceClass(), l.amount());
            }
            if (l.resourceClass().equals(HBM)) {
                hbm = Math.max(hbm, us);
            }
            rankUs[l.rank()] = Math.max(rankUs[l.rank()], us);
            if (us > best) {
                best = us;
                bottleneck = l.resourceClass();
                resource = l.resource();
            }
        }
        for (int x = 0; x < ranks; x++) {
            rankUs[x] = Math.max(rankUs[x], hbm);
        }
        return new AnalyticalBound(best, bottleneck, resource, classUs, classResource, classBytes, rankUs, loads);
    }

    /**
     * @param c a kernel on a shared GPU.
     * @return its fixed latency chain, microseconds: three flags seen through L2.
     */
    public static double fixedUs(final TimingCase c) {
        return 3 * c.hardware().gpu().localFlagLatencyNs() / 1e3;
    }

    /**
     * @param c a normal kernel on a shared GPU.
     * @param b its bound.
     * @return pipeline fill, microseconds: one chunk of records (read and written) at one block's rate.
     */
    static double fillUs(final TimingCase c, final AnalyticalBound b) {
        final int blocks = c.shape().ranks() * 2 * c.traffic().channels();
        final double perBlock = perBlockGBps(c.hardware().topology().sharedGpu(), blocks, c.shape().ranks());
        return 2.0 * c.config().nvlChunkTokens() * Accounting.recordBytes(c) / perBlock / 1e3;
    }

    /**
     * Predicts a normal kernel on a shared GPU (see the class comment).
     *
     * @param c     the kernel.
     * @param trace receives the timeline when enabled.
     * @return the prediction, named {@value AnalyticalModel#NAME}.
     */
    public static TimingResult predict(final TimingCase c, final TraceSink trace) {
        final long started = System.nanoTime();
        final AnalyticalBound b = bound(c);
        final double lead = fixedUs(c) + fillUs(c, b);
        final double main = lead + b.boundUs();
        final int r = c.shape().ranks();
        final double[] rank = new double[r];
        int slowest = 0;
        for (int x = 0; x < r; x++) {
            rank[x] = lead + b.rankUs()[x];
            if (rank[x] > rank[slowest]) {
                slowest = x;
            }
        }
        final long logical = Accounting.logicalBytes(c)[slowest];
        final Map<String, Double> phases = AnalyticalModel.phasesUs(c, main);
        final Map<String, Double> util = new LinkedHashMap<>();
        for (final Map.Entry<String, Double> e : b.classUs().entrySet()) {
            util.put(e.getKey(), Math.min(1.0, e.getValue() / main));
        }
        if (trace.enabled()) {
            for (int x = 0; x < r; x++) {
                trace.span("rank " + x, "main", 0, Math.round(rank[x] * 1e6));
            }
        }
        return new TimingResult(AnalyticalModel.NAME, "normal", r, 1, AnalyticalModel.opName(c.op()), main,
            logical / (main * 1e3), lead > b.boundUs() ? AnalyticalModel.LATENCY : b.bottleneck(), phases, logical,
            rank, util, 0, (System.nanoTime() - started) / 1e6);
    }
}
