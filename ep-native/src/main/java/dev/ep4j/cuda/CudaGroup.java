package dev.ep4j.cuda;

import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.EpBuffer;
import dev.ep4j.api.EpGroup;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ranks of one intranode group on the cuda backend: per rank an NVL buffer of {@link BufferSpec#nvlBufferBytes}
 * (device memory), a control block, a host-mapped record and a non-blocking stream (the native context), and the
 * peer tables that let every rank's kernels reach every other rank's buffer.
 *
 * <p>Placement {@link CudaBackend.Placement#VIRTUAL}: every rank on one GPU; a call is refused with
 * {@link ConfigException} when the blocks of all ranks ({@code ranks x numSms}) cannot be resident at once
 * ({@code SMs x co-resident blocks per SM}, from the occupancy of the kernels), because a rank's kernel waits for
 * its peers' kernels. {@link CudaBackend.Placement#PER_GPU}: rank r on GPU r with peer access.
 *
 * <p>The group owns the device tensors its buffers return and frees those still open when it is closed.
 * Thread-safe; {@link #close()} is idempotent and must not overlap calls of its buffers.
 */
public final class CudaGroup implements EpGroup {
    private final Topology topology;
    private final BufferSpec spec;
    private final CudaBackend.Placement placement;
    private final int[] devices;
    private final long[] contexts;
    private final CudaBuffer[] buffers;
    private final int threadsPerBlock;
    /** Blocks of the dispatch/combine kernels that fit on one GPU at once. */
    private final int residentBlocks;
    private final int smCount;
    private final Set<DeviceTensor> owned = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    CudaGroup(final GroupSpec groupSpec, final CudaBackend.Placement placement, final int device) {
        this.topology = groupSpec.topology();
        this.spec = groupSpec.buffer();
        this.placement = placement;
        if (topology.isInternode()) {
            throw new EpException("internode groups (" + topology + ") are not implemented in the cuda backend yet; "
                + "use a single-node topology or the sim backend");
        }
        final int ranks = topology.ranks();
        final int maxRanks = 32;
        if (ranks > maxRanks) {
            throw new ConfigException("the cuda backend's intranode kernels take at most " + maxRanks + " ranks per "
                + "NVLink domain; the group has " + ranks);
        }
        devices = new int[ranks];
        if (placement == CudaBackend.Placement.PER_GPU) {
            final int n = Cuda.deviceCount();
            if (n < ranks) {
                throw new ConfigException("placement=per-gpu needs one GPU per rank: the group has " + ranks
                    + " ranks but " + n + " GPU(s) are visible; use placement=virtual");
            }
            for (int r = 0; r < ranks; r++) {
                devices[r] = r;
            }
            for (int a = 0; a < ranks; a++) {
                for (int b = 0; b < ranks; b++) {
                    if (a != b) {
                        NativeErrors.check(Ep4jKernels.ep4j_enable_peer_access(a, b), "CudaGroup(per-gpu)");
                    }
                }
            }
        } else {
            java.util.Arrays.fill(devices, device);
        }
        threadsPerBlock = Ep4jKernels.ep4j_intra_block_threads(ranks);
        final int[] perSm = new int[1];
        Cuda.setDevice(devices[0]);
        NativeErrors.check(Ep4jKernels.ep4j_intra_blocks_per_sm(threadsPerBlock, perSm), "CudaGroup");
        smCount = Cuda.device(devices[0]).multiprocessors();
        residentBlocks = smCount * perSm[0];

        contexts = new long[ranks];
        buffers = new CudaBuffer[ranks];
        final long timeoutNs = Math.max(1L, spec.timeout().toNanos());
        try {
            for (int r = 0; r < ranks; r++) {
                Cuda.setDevice(devices[r]);
                NativeErrors.check(Ep4jKernels.ep4j_mempool_keep(devices[r]), "CudaGroup");
                final long[] out = new long[1];
                NativeErrors.check(Ep4jKernels.ep4j_intra_create(r, ranks, devices[r], spec.nvlBufferBytes(),
                    timeoutNs, out), "CudaGroup: rank " + r);
                contexts[r] = out[0];
            }
            final long[] nvl = new long[ranks];
            final long[] ctrl = new long[ranks];
            for (int r = 0; r < ranks; r++) {
                final long[] info = new long[4];
                NativeErrors.check(Ep4jKernels.ep4j_intra_info(contexts[r], info), "CudaGroup");
                nvl[r] = info[0];
                ctrl[r] = info[1];
            }
            final int sys = placement == CudaBackend.Placement.PER_GPU ? 1 : 0;
            for (int r = 0; r < ranks; r++) {
                NativeErrors.check(Ep4jKernels.ep4j_intra_set_peers(contexts[r], nvl, ctrl, sys), "CudaGroup");
                final long[] info = new long[4];
                NativeErrors.check(Ep4jKernels.ep4j_intra_info(contexts[r], info), "CudaGroup");
                buffers[r] = new CudaBuffer(this, r, contexts[r], info[2], devices[r]);
            }
        } catch (final RuntimeException e) {
            destroyContexts();
            throw e;
        }
    }

    @Override
    public Topology topology() {
        return topology;
    }

    /**
     * @return every rank's buffer spec.
     */
    public BufferSpec spec() {
        return spec;
    }

    /**
     * @return where the ranks live.
     */
    public CudaBackend.Placement placement() {
        return placement;
    }

    @Override
    public EpBuffer buffer(final int rank) {
        return cudaBuffer(rank);
    }

    /**
     * @param rank a rank.
     * @return its buffer, with the cuda-specific methods ({@link CudaBuffer#reset()}, capture).
     */
    public CudaBuffer cudaBuffer(final int rank) {
        if (closed) {
            throw new IllegalStateException("cuda group " + topology + " is closed");
        }
        return buffers[rank];
    }

    /**
     * @return threads per block of the dispatch and combine kernels.
     */
    public int threadsPerBlock() {
        return threadsPerBlock;
    }

    /**
     * @return dispatch/combine blocks one GPU holds at once (SMs x co-resident blocks per SM).
     */
    public int residentBlocks() {
        return residentBlocks;
    }

    /**
     * @return SMs of the group's (first) GPU.
     */
    public int smCount() {
        return smCount;
    }

    /**
     * Refuses a config whose kernels cannot all be resident: with virtual ranks every rank's {@code numSms} blocks
     * share one GPU; with one GPU per rank each rank's blocks must fit its GPU.
     *
     * @param config the call's config.
     * @param op     the operation, for the message.
     * @throws ConfigException naming the numbers.
     */
    void checkResidency(final KernelConfig config, final String op) {
        final int ranksPerGpu = placement == CudaBackend.Placement.VIRTUAL ? topology.ranks() : 1;
        final long need = (long) ranksPerGpu * config.numSms();
        if (need > residentBlocks) {
            throw new ConfigException(op + " with " + config + " needs " + ranksPerGpu + " rank(s) x numSms="
                + config.numSms() + " = " + need + " co-resident blocks of " + threadsPerBlock + " threads on one GPU, "
                + "but it holds " + residentBlocks + " (" + smCount + " SMs x " + residentBlocks / smCount
                + " per SM); every rank's kernel waits for its peers', so lower numSms to <= "
                + residentBlocks / ranksPerGpu / 2 * 2 + (placement == CudaBackend.Placement.VIRTUAL
                ? " or use placement=per-gpu" : ""));
        }
    }

    /** Takes ownership of an output tensor: freed at {@link #close()} unless closed before. */
    DeviceTensor own(final DeviceTensor t) {
        if (t != null) {
            owned.add(t);
            t.onClose(owned::remove);
        }
        return t;
    }

    /**
     * Resets every rank's buffer after a timeout ({@link CudaBuffer#reset()}); call when no rank has a call in
     * flight.
     */
    public void reset() {
        for (final CudaBuffer b : buffers) {
            b.reset();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (final CudaBuffer b : buffers) {
            if (b != null) {
                b.markClosed();
            }
        }
        RuntimeException first = null;
        for (final DeviceTensor t : new ArrayList<>(owned)) {
            try {
                t.close();
            } catch (final RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        owned.clear();
        destroyContexts();
        if (first != null) {
            throw first;
        }
    }

    private void destroyContexts() {
        final List<RuntimeException> errors = new ArrayList<>();
        for (int r = 0; r < contexts.length; r++) {
            if (contexts[r] != 0) {
                try {
                    NativeErrors.check(Ep4jKernels.ep4j_intra_destroy(contexts[r]), "CudaGroup.close");
                } catch (final RuntimeException e) {
                    errors.add(e);
                }
                contexts[r] = 0;
            }
        }
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }
}
