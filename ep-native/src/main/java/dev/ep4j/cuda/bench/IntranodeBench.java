package dev.ep4j.cuda.bench;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.routing.WeightMode;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.cuda.Cuda;
import dev.ep4j.cuda.CudaBuffer;
import dev.ep4j.cuda.DeviceTensor;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Intranode dispatch/combine benchmark with virtual ranks (all R ranks on one GPU, DeepSeek-V3 shapes by default:
 * 4096 tokens per rank, hidden 7168, top-8 of 256 experts, uniform routing). For each R, SMs per rank and NVL chunk:
 * cached dispatch of BF16 and of FP8 (+ float scales), and BF16 combine, as DeepEP's test_intranode.py times them.
 *
 * <p>Per row: the median over the timed runs (after warm-up; before every run a 256 MiB memset evicts the L2, so
 * inputs come from HBM) of
 * <ul>
 *   <li>{@code t_group}: first kernel start of any rank to last kernel end of any rank (CUDA events on the rank
 *       streams of the one GPU), and {@code t_rank}: each rank's own kernel time, averaged over ranks;</li>
 *   <li>DeepEP-convention GB/s: bytes received by a rank (recv_x rows x hidden x 2 for BF16, x (1 + 4/128)/2 for FP8,
 *       own rank included) / {@code t_rank}, averaged over ranks;</li>
 *   <li>HBM traffic of the algorithm over all ranks / {@code t_group}, and that rate over the device-to-device copy
 *       ceiling measured in the same run (efficiency). Traffic counted from the algorithm: dispatch reads each sent
 *       token row once (re-reads for further destinations assumed to hit L2), writes it into the ring slot, the
 *       receiver reads the slot and writes the output row (3 row transfers per received row); combine reads each
 *       expert-output row, writes and reads its ring slot, and writes each combined token. Ring traffic may be
 *       served by L2 in part, so this is an upper bound of the DRAM bytes; the endpoint traffic (inputs read once,
 *       outputs written once) is in the CSV too.</li>
 * </ul>
 * Not thread-safe; one run at a time.
 */
public final class IntranodeBench {
    /** Sweep settings. */
    public static final class Options {
        int[] ranks = {2, 4, 8};
        int tokens = 4096;
        int hidden = 7168;
        int topK = 8;
        int experts = 256;
        int iters = 50;
        int warmup = 10;
        int ringTokens = 256;
        int[] dispatchChunks = {6, 12, 24};
        int[] combineChunks = {4, 8, 16};
        Map<Integer, int[]> sms = Map.of(2, new int[] {24, 48, 64}, 4, new int[] {16, 24, 32}, 8,
            new int[] {8, 12, 16});
        long flushBytes = 256L << 20;
        double maxSeconds = 420;
    }

    /** One measured configuration. */
    record Row(int ranks, String op, int numSms, int chunk, int ringTokens, int iters, double tGroupUs,
               double tRankUs, double recvBytesPerRank, double gbsDeepEp, double trafficBytes, double trafficGbs,
               double endpointBytes, double efficiency) {
    }

    private IntranodeBench() {
    }

    /** One rank's device inputs. */
    private record RankInputs(DeviceTensor xBf16, DeviceTensor xFp8, DeviceTensor scales, DeviceTensor idx,
                              DeviceTensor weights, DispatchLayoutResult layout, int sentTokens) {
    }

    /**
     * Runs the sweep.
     *
     * @param o         settings.
     * @param out       progress and the table.
     * @param ceilingBs copy ceiling in bytes (read + written) per second.
     * @return the rows.
     */
    static List<Row> run(final Options o, final PrintStream out, final double ceilingBs) {
        final List<Row> rows = new ArrayList<>();
        final long deadline = System.nanoTime() + (long) (o.maxSeconds * 1e9);
        for (final int r : o.ranks) {
            if (System.nanoTime() > deadline) {
                out.println("intranode: time budget spent; skipping R=" + r);
                continue;
            }
            try {
                runRanks(o, r, out, ceilingBs, rows, deadline);
            } catch (final RuntimeException e) {
                out.println("intranode: R=" + r + " FAILED: " + e);
                e.printStackTrace(out);
            }
        }
        return rows;
    }

    private static void runRanks(final Options o, final int ranks, final PrintStream out, final double ceilingBs,
        final List<Row> rows, final long deadline) {
        final Topology topo = Topology.singleNode(ranks);
        final int[] smsList = o.sms.getOrDefault(ranks, new int[] {Math.max(2, Cuda.device(0).multiprocessors()
            / ranks / 2 * 2)});
        final int scales = o.hidden / 128;
        long nvl = 0;
        for (final int sms : smsList) {
            for (final int chunk : o.dispatchChunks) {
                final KernelConfig c = new KernelConfig(sms, chunk, o.ringTokens, 4, 8);
                nvl = Math.max(nvl, BufferSizing.intranodeDispatchNvlNeed(c, ranks, 2L * o.hidden, o.topK, 0));
                nvl = Math.max(nvl, BufferSizing.intranodeDispatchNvlNeed(c, ranks, o.hidden, o.topK, scales));
            }
            for (final int chunk : o.combineChunks) {
                nvl = Math.max(nvl, BufferSizing.intranodeCombineNvlNeed(new KernelConfig(sms, chunk, o.ringTokens, 4,
                    8), ranks, o.hidden, o.topK));
            }
        }
        final BufferSpec spec = BufferSpec.normal(BufferSizing.alignUp(nvl, 128)).withTimeout(Duration.ofSeconds(20));
        out.printf(Locale.ROOT, "%nintranode R=%d virtual ranks: T=%d H=%d K=%d E=%d, NVL buffer %.1f MiB per rank%n",
            ranks, o.tokens, o.hidden, o.topK, o.experts, spec.nvlBufferBytes() / 1048576.0);
        try (Backend backend = Backends.open("cuda");
             LocalCluster c = LocalCluster.open(backend, new GroupSpec(topo, spec))) {
            final List<RankInputs> inputs = c.run(b -> inputs(o, (CudaBuffer) b));
            final CudaBuffer b0 = (CudaBuffer) c.buffer(0);
            Cuda.setDevice(b0.device());
            final DeviceTensor flush = DeviceTensor.allocateAsync(DType.UINT8, b0.stream(), o.flushBytes);
            try {
                for (final int sms : smsList) {
                    if ((long) ranks * sms > b0.group().residentBlocks()) {
                        out.printf(Locale.ROOT, "  numSms=%d skipped: %d x %d blocks exceed the %d co-resident%n", sms,
                            ranks, sms, b0.group().residentBlocks());
                        continue;
                    }
                    if (System.nanoTime() > deadline) {
                        out.println("intranode: time budget spent; stopping R=" + ranks);
                        return;
                    }
                    final KernelConfig freshCfg = new KernelConfig(sms, o.dispatchChunks[0], o.ringTokens, 4, 8);
                    final List<DispatchResult> fresh = c.run(b -> {
                        final RankInputs in = inputs.get(b.rank());
                        return b.dispatch(DispatchRequest.builder(in.xBf16()).topk(in.idx(), in.weights())
                            .layout(in.layout()).config(freshCfg).build());
                    });
                    final long[] recvRows = new long[ranks];
                    for (int r = 0; r < ranks; r++) {
                        recvRows[r] = fresh.get(r).handle().numRecvTokens();
                    }
                    for (final boolean fp8 : new boolean[] {true, false}) {
                        for (final int chunk : o.dispatchChunks) {
                            final KernelConfig cfg = new KernelConfig(sms, chunk, o.ringTokens, 4, 8);
                            final long rowBytes = fp8 ? o.hidden + 4L * scales : 2L * o.hidden;
                            final Row row = time(o, c, ranks, flush, b -> {
                                final RankInputs in = inputs.get(b.rank());
                                final DispatchRequest.Builder req = DispatchRequest.builder(fp8 ? in.xFp8()
                                    : in.xBf16()).cached(fresh.get(b.rank()).handle()).config(cfg);
                                if (fp8) {
                                    req.scales(in.scales());
                                }
                                final DispatchResult d = b.dispatch(req.build());
                                return new Tensor[] {d.recvX(), d.recvXScales()};
                            }, fp8 ? "dispatch-fp8" : "dispatch-bf16", sms, chunk, o.ringTokens, recvRows, rowBytes,
                                dispatchTraffic(inputs, recvRows, rowBytes), dispatchEndpoint(inputs, recvRows,
                                    rowBytes), ceilingBs);
                            rows.add(row);
                            print(out, row);
                        }
                    }
                    for (final int chunk : o.combineChunks) {
                        final KernelConfig cfg = new KernelConfig(sms, chunk, o.ringTokens, 4, 8);
                        final long rowBytes = 2L * o.hidden;
                        final double outBytes = (double) ranks * o.tokens * rowBytes;
                        final Row row = time(o, c, ranks, flush, b -> {
                            final DispatchResult d = fresh.get(b.rank());
                            final CombineResult cr = b.combine(CombineRequest.of(d.recvX(), d.handle())
                                .withConfig(cfg));
                            return new Tensor[] {cr.combinedX()};
                        }, "combine-bf16", sms, chunk, o.ringTokens, recvRows, rowBytes,
                            3.0 * sum(recvRows) * rowBytes + outBytes, sum(recvRows) * rowBytes + outBytes,
                            ceilingBs);
                        rows.add(row);
                        print(out, row);
                    }
                    for (final DispatchResult d : fresh) {
                        close(d.recvX(), d.recvXScales(), d.recvTopkIdx(), d.recvTopkWeights());
                    }
                }
            } finally {
                flush.close();
            }
        }
    }

    private static RankInputs inputs(final Options o, final CudaBuffer b) {
        final int r = b.rank();
        Cuda.setDevice(b.device());
        final long stream = b.stream();
        final SplittableRandom rnd = new SplittableRandom(1234 + r);
        final HostTensor x = HostTensor.zeros(DType.BF16, o.tokens, o.hidden);
        final HostTensor x8 = HostTensor.zeros(DType.FP8_E4M3, o.tokens, o.hidden);
        final HostTensor s = HostTensor.zeros(DType.FLOAT32, o.tokens, o.hidden / 128);
        final long n = (long) o.tokens * o.hidden;
        for (long i = 0; i < n; i++) {
            final int bits = rnd.nextInt();
            // BF16 with exponent 120..135 (|v| in [2^-7, 2^9)): finite values of both signs
            x.setShort(i, (short) ((bits & 0x807F) | ((120 + ((bits >>> 7) & 15)) << 7)));
            x8.setByte(i, (byte) ((bits >>> 16) & 0x7E));
        }
        for (long i = 0; i < s.numel(); i++) {
            s.setFloat(i, 0.001f + (float) rnd.nextDouble());
        }
        final HostTensor idx = Routing.uniform(77, r, o.tokens, o.experts, o.topK, false);
        final HostTensor w = Routing.weights(WeightMode.NORMAL, 0, 77, r, o.tokens, o.topK);
        int sent = 0;
        for (int t = 0; t < o.tokens; t++) {
            boolean any = false;
            for (int k = 0; k < o.topK; k++) {
                any |= idx.getLong((long) t * o.topK + k) >= 0;
            }
            sent += any ? 1 : 0;
        }
        final DeviceTensor dIdx = DeviceTensor.uploadAsync(idx, stream);
        final RankInputs in = new RankInputs(DeviceTensor.uploadAsync(x, stream), DeviceTensor.uploadAsync(x8, stream),
            DeviceTensor.uploadAsync(s, stream), dIdx, DeviceTensor.uploadAsync(w, stream),
            b.dispatchLayout(dIdx, o.experts), sent);
        x.close();
        x8.close();
        return in;
    }

    private static double dispatchTraffic(final List<RankInputs> in, final long[] recvRows, final long rowBytes) {
        double sent = 0;
        for (final RankInputs r : in) {
            sent += r.sentTokens();
        }
        return sent * rowBytes + 3.0 * sum(recvRows) * (rowBytes + 4);
    }

    private static double dispatchEndpoint(final List<RankInputs> in, final long[] recvRows, final long rowBytes) {
        double sent = 0;
        for (final RankInputs r : in) {
            sent += r.sentTokens();
        }
        return sent * rowBytes + (double) sum(recvRows) * rowBytes;
    }

    private static long sum(final long[] a) {
        long s = 0;
        for (final long v : a) {
            s += v;
        }
        return s;
    }

    private static Row time(final Options o, final LocalCluster c, final int ranks, final DeviceTensor flush,
        final Function<EpBuffer, Tensor[]> op, final String name, final int sms, final int chunk, final int ring,
        final long[] recvRows, final long rowBytes, final double traffic, final double endpoint,
        final double ceilingBs) {
        final CudaBuffer b0 = (CudaBuffer) c.buffer(0);
        int iters = o.iters;
        final List<Double> group = new ArrayList<>();
        final List<List<Double>> rankTimes = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            rankTimes.add(new ArrayList<>());
        }
        int warmup = o.warmup;
        for (int it = 0; it < warmup + iters; it++) {
            c.run(b -> {
                if (b.rank() == 0) {
                    NativeErrors.check(Ep4jKernels.ep4j_memset(flush.address(), 0, flush.byteSize(), b0.stream()),
                        "flush");
                    NativeErrors.check(Ep4jKernels.ep4j_stream_synchronize(b0.stream()), "flush");
                }
                return null;
            });
            final List<Tensor[]> outs = c.run(op::apply);
            if (it == 0) {
                final double first = ((CudaBuffer) c.buffer(0)).lastMillis();
                if (first > 100) {  // a very slow config: fewer runs
                    warmup = 1;
                    iters = Math.min(iters, 5);
                }
            }
            if (it >= warmup) {
                Cuda.setDevice(b0.device());
                final long[] e0 = b0.lastEvents();
                double start = Double.MAX_VALUE;
                double end = -Double.MAX_VALUE;
                for (int r = 0; r < ranks; r++) {
                    final CudaBuffer b = (CudaBuffer) c.buffer(r);
                    final long[] e = b.lastEvents();
                    start = Math.min(start, elapsed(e0[0], e[0]));
                    end = Math.max(end, elapsed(e0[0], e[1]));
                    rankTimes.get(r).add(b.lastMillis());
                }
                group.add(end - start);
            }
            for (final Tensor[] ts : outs) {
                close(ts);
            }
        }
        final double tGroup = median(group) * 1e-3;
        double tRank = 0;
        double gbs = 0;
        double recvBytes = 0;
        for (int r = 0; r < ranks; r++) {
            final double t = median(rankTimes.get(r)) * 1e-3;
            tRank += t / ranks;
            final double bytes = (double) recvRows[r] * rowBytes;
            recvBytes += bytes / ranks;
            gbs += bytes / t / 1e9 / ranks;
        }
        final double rate = traffic / tGroup;
        return new Row(ranks, name, sms, chunk, ring, iters, tGroup * 1e6, tRank * 1e6, recvBytes, gbs, traffic,
            rate / 1e9, endpoint, rate / ceilingBs);
    }

    private static double elapsed(final long from, final long to) {
        final float[] ms = new float[1];
        NativeErrors.check(Ep4jKernels.ep4j_event_elapsed(from, to, ms), "IntranodeBench");
        return ms[0];
    }

    private static double median(final List<Double> v) {
        final double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2]
            : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
    }

    private static void close(final Tensor... ts) {
        for (final Tensor t : ts) {
            if (t instanceof DeviceTensor) {
                ((DeviceTensor) t).close();
            }
        }
    }

    static final String HEADER = String.format(Locale.ROOT, "%2s %-14s %4s %5s %9s %9s %9s %11s %9s",
        "R", "op", "SMs", "chunk", "t_grp_us", "t_rank_us", "GB/s", "HBM_GB/s", "eff");

    static void print(final PrintStream out, final Row r) {
        out.printf(Locale.ROOT, "%2d %-14s %4d %5d %9.1f %9.1f %9.1f %11.1f %8.1f%%%n", r.ranks(), r.op(), r.numSms(),
            r.chunk(), r.tGroupUs(), r.tRankUs(), r.gbsDeepEp(), r.trafficGbs(), 100 * r.efficiency());
    }

    static String csv(final List<Row> rows, final double ceiling) {
        final StringBuilder sb = new StringBuilder("ranks,op,num_sms,nvl_chunk,nvl_recv_tokens,iters,t_group_us,"
            + "t_rank_us,recv_bytes_per_rank,deepep_gbs,traffic_bytes,traffic_gbs,endpoint_bytes,endpoint_gbs,"
            + "copy_ceiling_gbs,efficiency\n");
        for (final Row r : rows) {
            sb.append(String.format(Locale.ROOT,
                "%d,%s,%d,%d,%d,%d,%.3f,%.3f,%.0f,%.3f,%.0f,%.3f,%.0f,%.3f,%.3f,%.4f%n",
                r.ranks(), r.op(), r.numSms(), r.chunk(), r.ringTokens(), r.iters(), r.tGroupUs(), r.tRankUs(),
                r.recvBytesPerRank(), r.gbsDeepEp(), r.trafficBytes(), r.trafficGbs(), r.endpointBytes(),
                r.endpointBytes() / (r.tGroupUs() * 1e-6) / 1e9, ceiling / 1e9, r.efficiency()));
        }
        return sb.toString();
    }
}
