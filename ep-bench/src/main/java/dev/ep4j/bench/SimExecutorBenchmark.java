package dev.ep4j.bench;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.math.Fp8Tensor;
import dev.ep4j.api.op.CombineRequest;
import dev.ep4j.api.op.DispatchLayoutResult;
import dev.ep4j.api.op.DispatchRequest;
import dev.ep4j.api.op.DispatchResult;
import dev.ep4j.api.routing.RandomStream;
import dev.ep4j.api.routing.Routing;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the sim backend's functional executor: one normal-mode FP8 dispatch plus BF16 combine on an EP8
 * intranode group (DeepSeek-V3 shape scaled to {@code tokens} per rank, hidden 7168, top-8 of 256 experts), all 8
 * ranks as threads of this JVM. The baseline copies the same received FP8 bytes plus the combine's BF16 bytes with
 * one bulk {@code ByteBuffer} copy each, single-threaded, so the executor reads as a ratio of plain memcpy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xmx6g", "-XX:MaxDirectMemorySize=6g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SimExecutorBenchmark {
    private static final int RANKS = 8;
    private static final int HIDDEN = 7168;
    private static final int EXPERTS = 256;
    private static final int TOP_K = 8;
    private static final KernelConfig CONFIG = new KernelConfig(24, 6, 256, 6, 128);

    /** Tokens per rank. */
    @org.openjdk.jmh.annotations.Param({"1024"})
    public int tokens;

    private Backend backend;
    private LocalCluster cluster;
    private Fp8Tensor[] x;
    private HostTensor[] idx;
    private HostTensor[] weights;
    private ByteBuffer copySrc;
    private ByteBuffer copyDst;

    /** Builds inputs once; they are the same for every invocation. */
    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.open("sim");
        cluster = LocalCluster.open(backend, new GroupSpec(Topology.singleNode(RANKS), BufferSpec.normal(1L << 30)));
        x = new Fp8Tensor[RANKS];
        idx = new HostTensor[RANKS];
        weights = new HostTensor[RANKS];
        long recvRows = 0;
        for (int r = 0; r < RANKS; r++) {
            final RandomStream rnd = RandomStream.of(7, 100, r);
            final HostTensor bf = HostTensor.zeros(DType.BF16, tokens, HIDDEN);
            for (long i = 0; i < (long) tokens * HIDDEN; i++) {
                bf.setShort(i, Bf16.fromFloat((float) rnd.nextGaussian()));
            }
            x[r] = Fp8Quantizer.quantize(bf, false, false);
            idx[r] = Routing.uniform(7, r, tokens, EXPERTS, TOP_K, false);
            weights[r] = Routing.weights(dev.ep4j.api.routing.WeightMode.ABS_NORMAL, 0, 7, r, tokens, TOP_K);
        }
        final List<Long> rows = cluster.run(buf -> run(buf).recvX().dim(0));
        for (final long n : rows) {
            recvRows += n;
        }
        final long bytes = recvRows * HIDDEN * 3L;
        copySrc = ByteBuffer.allocateDirect((int) Math.min(bytes, Integer.MAX_VALUE - 8));
        copyDst = ByteBuffer.allocateDirect(copySrc.capacity());
    }

    private DispatchResult run(final dev.ep4j.api.EpBuffer buf) {
        final int r = buf.rank();
        final DispatchLayoutResult layout = buf.dispatchLayout(idx[r], EXPERTS);
        return buf.dispatch(DispatchRequest.builder(x[r].data()).scales(x[r].scales()).topk(idx[r], weights[r])
            .layout(layout).config(CONFIG).build());
    }

    /** Closes the group. */
    @TearDown(Level.Trial)
    public void tearDown() {
        cluster.close();
        backend.close();
    }

    /**
     * One dispatch + combine on all 8 ranks; every tensor of the call is released before returning (direct memory
     * is otherwise freed only by a GC, and the allocator stalls).
     *
     * @return a checksum of rank 0's combined rows (consumed by JMH).
     */
    @Benchmark
    public long dispatchCombine() {
        return cluster.run(buf -> {
            final DispatchResult d = run(buf);
            try (HostTensor expert = HostTensor.zeros(DType.BF16, d.recvX().dim(0), HIDDEN);
                 HostTensor recv = d.recvX().hostView();
                 HostTensor scales = d.recvXScales().hostView();
                 HostTensor combined = buf.combine(CombineRequest.of(expert, d.handle())
                     .withWeights(d.recvTopkWeights()).withConfig(CONFIG)).combinedX().hostView()) {
                return (long) combined.getShort(0) + recv.getByte(0) + (long) scales.getFloat(0);
            }
        }).get(0);
    }

    /**
     * @return the destination (consumed by JMH).
     */
    @Benchmark
    public Object baselineMemcpy() {
        copyDst.clear();
        copySrc.clear();
        copyDst.put(copySrc);
        return copyDst;
    }
}
