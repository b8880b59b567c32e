// ep4j_internal.h: helpers shared by the .cu files of libep4j_kernels.so (not part of the C API, not exported).
// Includes only cuda_runtime.h: the NVSHMEM headers stay in nvshmem_host.cu (they cost ~6 s of nvcc per TU).
#ifndef EP4J_INTERNAL_H
#define EP4J_INTERNAL_H

#include <cuda_runtime.h>
#include <stdint.h>

#include "ep4j_kernels.h"

namespace ep4j {

// Records a failed CUDA call in the thread-local last error and returns EP4J_E_CUDA.
// `api` is printf-style: the call and the arguments that matter, e.g. "cudaMalloc(%lld bytes)".
int fail_cuda(cudaError_t err, const char* api, ...) __attribute__((format(printf, 2, 3)));

// Records a failure of another kind (EP4J_ERR_INVALID, EP4J_ERR_NVSHMEM, ...) and returns `rc`.
int fail(int kind, int rc, int code, const char* api, const char* message, ...)
    __attribute__((format(printf, 5, 6)));

inline cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }
template <typename T>
inline T* as_dptr(int64_t p) { return reinterpret_cast<T*>(static_cast<uintptr_t>(p)); }

}  // namespace ep4j

// Returns from the enclosing int function when a CUDA call fails, naming the call (and its printf arguments).
#define EP4J_CUDA_TRY(call, ...)                                                  \
    do {                                                                          \
        const cudaError_t ep4j_err_ = (call);                                     \
        if (ep4j_err_ != cudaSuccess) return ep4j::fail_cuda(ep4j_err_, __VA_ARGS__); \
    } while (0)

#endif  // EP4J_INTERNAL_H
