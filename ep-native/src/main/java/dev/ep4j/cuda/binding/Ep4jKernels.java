package dev.ep4j.cuda.binding;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * Raw JavaCPP binding of {@code src/main/cuda/ep4j_kernels.h}, the flat C API of {@code libep4j_kernels.so}.
 * Hand-written (no JavaCPP Parser step); the JNI glue {@code libjniEp4jKernels.so} is generated and compiled by the
 * {@code javacpp:build} goal and linked against {@code libep4j_kernels.so}.
 *
 * <p>Conventions follow the header: device addresses and streams are {@code long} (an address; 0 = the legacy
 * default stream), functions returning {@code int} return 0 or a negative {@code EP4J_E_*} code, and the calling
 * thread's {@code ep4j_last_error_*} functions describe a failure. Thread-safe as the C API is.
 *
 * <p>Do not call it directly: use {@link dev.ep4j.cuda.Cuda} and the classes around it. There is deliberately no
 * {@code static { Loader.load(); }} here, so a missing library never surfaces as an
 * {@code ExceptionInInitializerError}; {@code dev.ep4j.cuda.internal.NativeLoader} loads it and keeps the cause.
 */
@Platform(value = "linux-x86_64", include = "ep4j_kernels.h", link = "ep4j_kernels")
public final class Ep4jKernels {
    /** {@code EP4J_ABI_VERSION} this binding was written for. */
    public static final int ABI_VERSION = 10000;
    /** {@code EP4J_UNIQUEID_BYTES}: size of an NVSHMEM unique id. */
    public static final int UNIQUEID_BYTES = 128;
    /** Return code: a CUDA runtime call failed. */
    public static final int E_CUDA = -1;
    /** Return code: an argument is out of range. */
    public static final int E_INVALID = -2;
    /** Return code: an NVSHMEM call or its preflight failed. */
    public static final int E_NVSHMEM = -3;
    /** Return code: the library was built without NVSHMEM. */
    public static final int E_NO_NVSHMEM = -4;
    /** Error kind: none. */
    public static final int ERR_NONE = 0;
    /** Error kind: CUDA. */
    public static final int ERR_CUDA = 1;
    /** Error kind: invalid argument. */
    public static final int ERR_INVALID = 2;
    /** Error kind: NVSHMEM. */
    public static final int ERR_NVSHMEM = 3;
    /** Error kind: built without NVSHMEM. */
    public static final int ERR_NO_NVSHMEM = 4;

    private Ep4jKernels() {
    }

    // ---- versions and the last error (no GPU needed) ----
    public static native int ep4j_abi_version();

    public static native int ep4j_cuda_runtime_version();

    public static native int ep4j_cuda_driver_version();

    public static native @Cast("const char*") BytePointer ep4j_build_info();

    public static native int ep4j_last_error_kind();

    public static native int ep4j_last_error_code();

    public static native int ep4j_last_error_device();

    public static native @Cast("const char*") BytePointer ep4j_last_error_api();

    public static native @Cast("const char*") BytePointer ep4j_last_error_name();

    public static native @Cast("const char*") BytePointer ep4j_last_error_message();

    public static native void ep4j_clear_last_error();

    public static native int ep4j_setenv(String name, String value);

    // ---- device probe ----
    public static native int ep4j_device_count();

    public static native int ep4j_device_name(int device, @Cast("char*") byte[] out, int capacity);

    public static native int ep4j_device_sm_count(int device);

    public static native int ep4j_device_cc(int device);

    public static native int ep4j_device_total_memory(int device, @Cast("int64_t*") long[] outBytes);

    public static native int ep4j_set_device(int device);

    public static native int ep4j_get_device();

    public static native int ep4j_device_synchronize();

    // ---- memory and streams ----
    public static native int ep4j_malloc(@Cast("int64_t") long bytes, @Cast("int64_t*") long[] outPtr);

    public static native int ep4j_free(@Cast("int64_t") long ptr);

    public static native int ep4j_memset(@Cast("int64_t") long ptr, int value, @Cast("int64_t") long bytes,
        @Cast("void*") long stream);

    public static native int ep4j_memcpy_htod(@Cast("int64_t") long dst, @Cast("const void*") ByteBuffer src,
        @Cast("int64_t") long bytes, @Cast("void*") long stream);

    public static native int ep4j_memcpy_dtoh(@Cast("void*") ByteBuffer dst, @Cast("int64_t") long src,
        @Cast("int64_t") long bytes, @Cast("void*") long stream);

    public static native int ep4j_memcpy_dtod(@Cast("int64_t") long dst, @Cast("int64_t") long src,
        @Cast("int64_t") long bytes, @Cast("void*") long stream);

    public static native int ep4j_stream_create(@Cast("int64_t*") long[] outStream);

    public static native int ep4j_stream_destroy(@Cast("int64_t") long stream);

    public static native int ep4j_stream_synchronize(@Cast("void*") long stream);

    // ---- layout kernel ----
    public static native int ep4j_layout(@Cast("int64_t") long topkIdx, int idxBytes, @Cast("int64_t") long numTokens,
        int topk, int numExperts, int numRanks, int gpusPerNode, @Cast("int64_t") long numTokensPerRank,
        @Cast("int64_t") long numTokensPerNode, @Cast("int64_t") long numTokensPerExpert,
        @Cast("int64_t") long isTokenInRank, @Cast("void*") long stream);

    // ---- copy-bandwidth probe ----
    public static native int ep4j_copy_bandwidth(@Cast("int64_t") long bytes, int iters, int warmup, int mode,
        double[] out);

    // ---- NVSHMEM host wrapper ----
    public static native int ep4j_nvshmem_built();

    public static native int ep4j_nvshmem_header_version();

    public static native int ep4j_nvshmem_library_version();

    public static native int ep4j_nvshmem_uniqueid_size();

    public static native int ep4j_nvshmem_preflight();

    public static native int ep4j_nvshmem_get_uniqueid(@Cast("void*") byte[] outId);

    public static native int ep4j_nvshmem_init_uid(@Cast("const void*") byte[] id, int rank, int nranks, int device);

    public static native int ep4j_nvshmem_is_initialized();

    public static native int ep4j_nvshmem_my_pe();

    public static native int ep4j_nvshmem_n_pes();

    public static native int ep4j_nvshmem_malloc(@Cast("int64_t") long bytes, @Cast("int64_t*") long[] outPtr);

    public static native int ep4j_nvshmem_free(@Cast("int64_t") long ptr);

    public static native int ep4j_nvshmem_barrier_all();

    public static native int ep4j_nvshmem_finalize();
}
