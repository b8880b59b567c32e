/*
 * ep4j_kernels.h: the flat C API of libep4j_kernels.so (ep4j's cuda backend).
 *
 * Plain C on purpose: no CUDA or NVSHMEM header is included, so the JavaCPP JNI glue compiles with plain g++ and
 * the Java side needs neither toolkit. Conventions:
 *   - device addresses are int64_t (a CUdeviceptr / void* on the device), host buffers are void*;
 *   - streams are void* (== cudaStream_t == JavaCPP's CUstream_st address); NULL is the legacy default stream;
 *   - functions returning int return 0 on success and a negative EP4J_E_* code on failure; the failure is then
 *     described by the calling thread's ep4j_last_error_*() functions (thread-local, never NULL);
 *   - every function is safe to call from any thread; functions touching the device act on the calling thread's
 *     current CUDA device (ep4j_set_device).
 * ABI: EP4J_ABI_VERSION changes whenever a signature or a struct layout here changes.
 */
#ifndef EP4J_KERNELS_H
#define EP4J_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define EP4J_API
#else
#define EP4J_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define EP4J_ABI_VERSION 10000 /* major * 10000 + minor * 100 + patch: 1.0.0 */
#define EP4J_UNIQUEID_BYTES 128 /* sizeof(nvshmemx_uniqueid_t) */

/* Return codes (negative). A CUDA failure returns EP4J_E_CUDA; the CUDA code is in ep4j_last_error_code(). */
#define EP4J_OK 0
#define EP4J_E_CUDA (-1)          /* a CUDA runtime call failed */
#define EP4J_E_INVALID (-2)       /* an argument is out of range; the message names it */
#define EP4J_E_NVSHMEM (-3)       /* an NVSHMEM call or its preflight failed */
#define EP4J_E_NO_NVSHMEM (-4)    /* this library was built without NVSHMEM */

/* Kinds of the last error (ep4j_last_error_kind). */
#define EP4J_ERR_NONE 0
#define EP4J_ERR_CUDA 1
#define EP4J_ERR_INVALID 2
#define EP4J_ERR_NVSHMEM 3
#define EP4J_ERR_NO_NVSHMEM 4

/* ---- versions and the last error (no GPU needed) ---- */
EP4J_API int ep4j_abi_version(void);           /* EP4J_ABI_VERSION */
EP4J_API int ep4j_cuda_runtime_version(void);  /* cudaRuntimeGetVersion of the static cudart, e.g. 13000 */
EP4J_API int ep4j_cuda_driver_version(void);   /* cudaDriverGetVersion; 0 when no driver (libcuda.so.1) */
EP4J_API const char* ep4j_build_info(void);    /* "ep4j_kernels 1.0.0 nvcc 13.0 sm_90a nvshmem 3.4.5" */
EP4J_API int ep4j_last_error_kind(void);       /* EP4J_ERR_* of this thread's last failure */
EP4J_API int ep4j_last_error_code(void);       /* cudaError_t, NVSHMEM status or EP4J_E_* */
EP4J_API int ep4j_last_error_device(void);     /* CUDA device current at the failure, -1 if unknown */
EP4J_API const char* ep4j_last_error_api(void);     /* the failed call with its arguments */
EP4J_API const char* ep4j_last_error_name(void);    /* cudaGetErrorName, e.g. "cudaErrorMemoryAllocation" */
EP4J_API const char* ep4j_last_error_message(void); /* one line: api, description, name=code */
EP4J_API void ep4j_clear_last_error(void);
EP4J_API int ep4j_setenv(const char* name, const char* value); /* setenv(name, value, 1), e.g. NVSHMEM knobs */

/* ---- device probe ---- */
EP4J_API int ep4j_device_count(void);          /* >= 0 devices; < 0 on failure (no driver: EP4J_E_CUDA) */
EP4J_API int ep4j_device_name(int device, char* out, int capacity); /* NUL-terminated, truncated to capacity */
EP4J_API int ep4j_device_sm_count(int device); /* multiprocessors, or < 0 */
EP4J_API int ep4j_device_cc(int device);       /* compute capability major * 10 + minor (90 = sm_90), or < 0 */
EP4J_API int ep4j_device_total_memory(int device, int64_t* out_bytes);
EP4J_API int ep4j_set_device(int device);
EP4J_API int ep4j_get_device(void);            /* >= 0 current device, or < 0 */
EP4J_API int ep4j_device_synchronize(void);

/* ---- memory and streams (device addresses as int64_t) ---- */
EP4J_API int ep4j_malloc(int64_t bytes, int64_t* out_ptr);   /* cudaMalloc; bytes == 0 gives 0 */
EP4J_API int ep4j_free(int64_t ptr);                         /* cudaFree; 0 is a no-op */
EP4J_API int ep4j_memset(int64_t ptr, int value, int64_t bytes, void* stream);      /* async on stream */
EP4J_API int ep4j_memcpy_htod(int64_t dst, const void* src, int64_t bytes, void* stream); /* synchronous */
EP4J_API int ep4j_memcpy_dtoh(void* dst, int64_t src, int64_t bytes, void* stream);       /* synchronous */
EP4J_API int ep4j_memcpy_dtod(int64_t dst, int64_t src, int64_t bytes, void* stream);     /* async on stream */
EP4J_API int ep4j_stream_create(int64_t* out_stream);        /* non-blocking stream */
EP4J_API int ep4j_stream_destroy(int64_t stream);
EP4J_API int ep4j_stream_synchronize(void* stream);

/* ---- layout kernel (layout.cu; semantics.md section 3) ----
 * topk_idx: device [num_tokens, topk] of int64 (idx_bytes 8) or int32 (idx_bytes 4), row-major; entries outside
 * [0, num_experts) (e.g. -1) are ignored. num_ranks divides num_experts; gpus_per_node divides num_ranks.
 * Outputs (device, fully overwritten): num_tokens_per_rank int32 [num_ranks], num_tokens_per_node int32
 * [num_ranks / gpus_per_node] (may be 0 to skip), num_tokens_per_expert int32 [num_experts], is_token_in_rank
 * uint8 0/1 [num_tokens, num_ranks]. Asynchronous on stream; deterministic. */
EP4J_API int ep4j_layout(int64_t topk_idx, int idx_bytes, int64_t num_tokens, int topk, int num_experts,
                         int num_ranks, int gpus_per_node, int64_t num_tokens_per_rank,
                         int64_t num_tokens_per_node, int64_t num_tokens_per_expert,
                         int64_t is_token_in_rank, void* stream);

/* ---- copy-bandwidth probe (copy_bw.cu) ----
 * Copies `bytes` device-to-device `iters` times after `warmup` untimed copies, each timed with CUDA events, on the
 * current device. mode 0: cudaMemcpyAsync; mode 1: an SM copy kernel (16-byte loads/stores, all SMs).
 * out[0] = median seconds, out[1] = min seconds, out[2] = max seconds, out[3] = 2 * bytes / median (bytes read +
 * written per second). Allocates and frees its own buffers. */
EP4J_API int ep4j_copy_bandwidth(int64_t bytes, int iters, int warmup, int mode, double* out);

/* ---- NVSHMEM host wrapper (nvshmem_host.cu; stubs returning EP4J_E_NO_NVSHMEM when built without NVSHMEM) ----
 * Unique-id bootstrap: rank 0 calls ep4j_nvshmem_get_uniqueid, ships the 128 bytes to every rank, and each rank
 * calls ep4j_nvshmem_init_uid once per process (NVSHMEM cannot be initialised again after finalize). */
EP4J_API int ep4j_nvshmem_built(void);             /* 1 when compiled with NVSHMEM, else 0 */
EP4J_API int ep4j_nvshmem_header_version(void);    /* NVSHMEM version compiled against (30405), 0 if none */
EP4J_API int ep4j_nvshmem_library_version(void);   /* version of the loaded libnvshmem_host.so.3, 0 if none */
EP4J_API int ep4j_nvshmem_uniqueid_size(void);     /* EP4J_UNIQUEID_BYTES */
EP4J_API int ep4j_nvshmem_preflight(void);         /* host/device versions match and the UID bootstrap plugin
                                                      can be found (NVSHMEM aborts the process otherwise) */
EP4J_API int ep4j_nvshmem_get_uniqueid(void* out_id); /* out_id: EP4J_UNIQUEID_BYTES bytes */
EP4J_API int ep4j_nvshmem_init_uid(const void* id, int rank, int nranks, int device);
EP4J_API int ep4j_nvshmem_is_initialized(void);    /* 1 between a successful init and finalize */
EP4J_API int ep4j_nvshmem_my_pe(void);             /* < 0 when not initialised */
EP4J_API int ep4j_nvshmem_n_pes(void);             /* < 0 when not initialised */
EP4J_API int ep4j_nvshmem_malloc(int64_t bytes, int64_t* out_ptr); /* collective; symmetric heap */
EP4J_API int ep4j_nvshmem_free(int64_t ptr);       /* collective */
EP4J_API int ep4j_nvshmem_barrier_all(void);       /* host-side barrier of all PEs */
EP4J_API int ep4j_nvshmem_finalize(void);

#ifdef __cplusplus
}
#endif
#endif /* EP4J_KERNELS_H */
