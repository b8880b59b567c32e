package dev.ep4j.cuda;

import dev.ep4j.api.error.BackendUnavailableException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.util.Objects;

/**
 * The NVSHMEM host API as ep4j wraps it ({@code nvshmem_host.cu}): unique-id bootstrap, symmetric-heap allocation,
 * barriers. One PE per process: rank 0 calls {@link #uniqueId()} (no GPU needed), ships the 128 bytes to every rank
 * through any channel, and each rank calls {@link #init} once; {@link #close()} finalizes, after which NVSHMEM cannot
 * be initialised again in this process (an NVSHMEM rule), so tests that need it run in their own JVM per PE.
 *
 * <p>Shared GPU hosts require NVLink multicast off: {@link #init} sets {@code NVSHMEM_DISABLE_NVLS=1} unless the
 * environment already sets it.
 *
 * <p>Thread-safety: {@link #uniqueId()} and the static queries are thread-safe; an {@code Nvshmem} session is used
 * from one thread at a time (NVSHMEM runs in {@code NVSHMEM_THREAD_SERIALIZED} mode).
 */
public final class Nvshmem implements AutoCloseable {
    /** Bytes of an NVSHMEM unique id. */
    public static final int UNIQUE_ID_BYTES = Ep4jKernels.UNIQUEID_BYTES;

    private final int rank;
    private final int ranks;
    private boolean closed;

    private Nvshmem(final int rank, final int ranks) {
        this.rank = rank;
        this.ranks = ranks;
    }

    /**
     * @throws BackendUnavailableException naming the cause when NVSHMEM cannot be used.
     */
    public static void ensureAvailable() {
        Cuda.ensureLibraryLoaded();
        if (!Cuda.isNvshmemAvailable()) {
            throw new BackendUnavailableException("NVSHMEM: " + Cuda.nvshmemUnavailableReason());
        }
    }

    /**
     * @return the NVSHMEM version compiled into {@code libep4j_kernels.so} (e.g. 30405), 0 if none.
     */
    public static int headerVersion() {
        Cuda.ensureLibraryLoaded();
        return Ep4jKernels.ep4j_nvshmem_header_version();
    }

    /**
     * @return the version of the loaded {@code libnvshmem_host.so.3}, 0 if none.
     */
    public static int libraryVersion() {
        Cuda.ensureLibraryLoaded();
        return Ep4jKernels.ep4j_nvshmem_built() == 0 ? 0 : Ep4jKernels.ep4j_nvshmem_library_version();
    }

    /**
     * Creates a unique id for a new NVSHMEM job (rank 0 only). Works without a GPU.
     *
     * @return {@link #UNIQUE_ID_BYTES} bytes to hand to every rank's {@link #init}.
     * @throws dev.ep4j.api.error.NvshmemException when NVSHMEM fails (message names the fix).
     */
    public static byte[] uniqueId() {
        ensureAvailable();
        final byte[] id = new byte[UNIQUE_ID_BYTES];
        NativeErrors.check(Ep4jKernels.ep4j_nvshmem_get_uniqueid(id), "Nvshmem.uniqueId");
        return id;
    }

    /**
     * Sets an environment variable of this process before {@link #init} (NVSHMEM reads its {@code NVSHMEM_*}
     * knobs from the environment at init).
     *
     * @param name  variable name.
     * @param value its value.
     */
    public static void setenv(final String name, final String value) {
        Cuda.ensureLibraryLoaded();
        NativeErrors.check(Ep4jKernels.ep4j_setenv(name, value), "Nvshmem.setenv");
    }

    /**
     * Initialises NVSHMEM for this process as PE {@code rank} of {@code ranks}, on {@code device}.
     *
     * @param uniqueId the id from rank 0's {@link #uniqueId()}.
     * @param rank     this PE, in {@code [0, ranks)}.
     * @param ranks    number of PEs.
     * @param device   CUDA device of this PE.
     * @return the session; close it to finalize.
     * @throws dev.ep4j.api.error.NvshmemException when init fails or NVSHMEM was already initialised here.
     */
    public static Nvshmem init(final byte[] uniqueId, final int rank, final int ranks, final int device) {
        Objects.requireNonNull(uniqueId, "uniqueId");
        if (uniqueId.length != UNIQUE_ID_BYTES) {
            throw new InvalidInputException("NVSHMEM unique id has " + uniqueId.length + " bytes, expected "
                + UNIQUE_ID_BYTES);
        }
        Cuda.ensureAvailable();
        ensureAvailable();
        if (System.getenv("NVSHMEM_DISABLE_NVLS") == null) {
            setenv("NVSHMEM_DISABLE_NVLS", "1");
        }
        NativeErrors.check(Ep4jKernels.ep4j_nvshmem_init_uid(uniqueId, rank, ranks, device), "Nvshmem.init");
        return new Nvshmem(rank, ranks);
    }

    /**
     * @return this PE's number ({@code nvshmem_my_pe}).
     */
    public int myPe() {
        checkOpen();
        return NativeErrors.check(Ep4jKernels.ep4j_nvshmem_my_pe(), "Nvshmem.myPe");
    }

    /**
     * @return the number of PEs ({@code nvshmem_n_pes}).
     */
    public int nPes() {
        checkOpen();
        return NativeErrors.check(Ep4jKernels.ep4j_nvshmem_n_pes(), "Nvshmem.nPes");
    }

    /**
     * Allocates symmetric memory; collective: every PE calls it with the same size.
     *
     * @param bytes size, at least 1.
     * @return the device address on this PE.
     */
    public long malloc(final long bytes) {
        checkOpen();
        final long[] out = new long[1];
        NativeErrors.check(Ep4jKernels.ep4j_nvshmem_malloc(bytes, out), "Nvshmem.malloc");
        return out[0];
    }

    /**
     * Frees symmetric memory; collective.
     *
     * @param address an address returned by {@link #malloc}.
     */
    public void free(final long address) {
        checkOpen();
        NativeErrors.check(Ep4jKernels.ep4j_nvshmem_free(address), "Nvshmem.free");
    }

    /**
     * Host-side barrier of all PEs ({@code nvshmem_barrier_all}).
     */
    public void barrierAll() {
        checkOpen();
        NativeErrors.check(Ep4jKernels.ep4j_nvshmem_barrier_all(), "Nvshmem.barrierAll");
    }

    /**
     * Finalizes NVSHMEM in this process; idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        NativeErrors.check(Ep4jKernels.ep4j_nvshmem_finalize(), "Nvshmem.close");
    }

    @Override
    public String toString() {
        return "Nvshmem[PE " + rank + " of " + ranks + (closed ? ", finalized" : "") + "]";
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is used after close()");
        }
    }
}
