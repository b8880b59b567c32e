// core.cu: versions, the thread-local last error, the device probe, memory and streams of libep4j_kernels.so.
// No kernels here; every function is a thin, checked wrapper of one CUDA runtime call.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ep4j_internal.h"

namespace {

// The calling thread's last failure (the C API is called from many Java threads).
struct LastError {
    int kind = EP4J_ERR_NONE;
    int code = 0;
    int device = -1;
    char api[256] = "";
    char name[96] = "";
    char message[768] = "";
};
thread_local LastError g_last;

int current_device_or_minus1() {
    int d = -1;
    if (cudaGetDevice(&d) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    return d;
}

}  // namespace

namespace ep4j {

int fail_cuda(cudaError_t err, const char* api, ...) {
    LastError& e = g_last;
    va_list ap;
    va_start(ap, api);
    vsnprintf(e.api, sizeof e.api, api, ap);
    va_end(ap);
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    e.kind = EP4J_ERR_CUDA;
    e.code = static_cast<int>(err);
    e.device = current_device_or_minus1();
    snprintf(e.name, sizeof e.name, "%s", cudaGetErrorName(err));
    if (e.device >= 0) {
        snprintf(e.message, sizeof e.message, "%s on device %d: %s (%s=%d)", e.api, e.device, cudaGetErrorString(err),
                 e.name, e.code);
    } else {
        snprintf(e.message, sizeof e.message, "%s: %s (%s=%d)", e.api, cudaGetErrorString(err), e.name, e.code);
    }
    return EP4J_E_CUDA;
}

int fail(int kind, int rc, int code, const char* api, const char* message, ...) {
    LastError& e = g_last;
    snprintf(e.api, sizeof e.api, "%s", api);
    e.kind = kind;
    e.code = code;
    e.device = -1;
    e.name[0] = '\0';
    va_list ap;
    va_start(ap, message);
    vsnprintf(e.message, sizeof e.message, message, ap);
    va_end(ap);
    return rc;
}

}  // namespace ep4j

extern "C" {

int ep4j_abi_version(void) { return EP4J_ABI_VERSION; }

int ep4j_cuda_runtime_version(void) {
    int v = 0;
    cudaRuntimeGetVersion(&v);
    return v;
}

int ep4j_cuda_driver_version(void) {
    int v = 0;
    if (cudaDriverGetVersion(&v) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return v;
}

const char* ep4j_build_info(void) {
    static const std::string info = [] {
        char buf[160];
        const int nv = ep4j_nvshmem_header_version();
        int n = snprintf(buf, sizeof buf, "ep4j_kernels %d.%d.%d nvcc %d.%d sm_90a", EP4J_ABI_VERSION / 10000,
                         EP4J_ABI_VERSION / 100 % 100, EP4J_ABI_VERSION % 100, __CUDACC_VER_MAJOR__,
                         __CUDACC_VER_MINOR__);
        if (nv > 0) {
            snprintf(buf + n, sizeof buf - n, " nvshmem %d.%d.%d", nv / 10000, nv / 100 % 100, nv % 100);
        } else {
            snprintf(buf + n, sizeof buf - n, " without nvshmem");
        }
        return std::string(buf);
    }();
    return info.c_str();
}

int ep4j_last_error_kind(void) { return g_last.kind; }
int ep4j_last_error_code(void) { return g_last.code; }
int ep4j_last_error_device(void) { return g_last.device; }
const char* ep4j_last_error_api(void) { return g_last.api; }
const char* ep4j_last_error_name(void) { return g_last.name; }
const char* ep4j_last_error_message(void) { return g_last.message; }
void ep4j_clear_last_error(void) { g_last = LastError(); }

int ep4j_setenv(const char* name, const char* value) {
    if (name == nullptr || value == nullptr || *name == '\0') {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_setenv", "setenv needs a name and a value");
    }
    if (setenv(name, value, 1) != 0) {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_setenv", "setenv(%s) failed", name);
    }
    return EP4J_OK;
}

/* ------------------------------------------------------------------ device probe */

int ep4j_device_count(void) {
    int n = 0;
    EP4J_CUDA_TRY(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
    return n;
}

int ep4j_device_name(int device, char* out, int capacity) {
    if (out == nullptr || capacity <= 0) {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_device_name",
                          "ep4j_device_name: out is null or capacity=%d <= 0", capacity);
    }
    cudaDeviceProp prop;
    EP4J_CUDA_TRY(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties(device %d)", device);
    snprintf(out, static_cast<size_t>(capacity), "%s", prop.name);
    return EP4J_OK;
}

int ep4j_device_sm_count(int device) {
    int v = 0;
    EP4J_CUDA_TRY(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, device),
                  "cudaDeviceGetAttribute(MultiProcessorCount, device %d)", device);
    return v;
}

int ep4j_device_cc(int device) {
    int major = 0, minor = 0;
    EP4J_CUDA_TRY(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device),
                  "cudaDeviceGetAttribute(ComputeCapabilityMajor, device %d)", device);
    EP4J_CUDA_TRY(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device),
                  "cudaDeviceGetAttribute(ComputeCapabilityMinor, device %d)", device);
    return major * 10 + minor;
}

int ep4j_device_total_memory(int device, int64_t* out_bytes) {
    cudaDeviceProp prop;
    EP4J_CUDA_TRY(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties(device %d)", device);
    *out_bytes = static_cast<int64_t>(prop.totalGlobalMem);
    return EP4J_OK;
}

int ep4j_set_device(int device) {
    EP4J_CUDA_TRY(cudaSetDevice(device), "cudaSetDevice(%d)", device);
    return EP4J_OK;
}

int ep4j_get_device(void) {
    int d = 0;
    EP4J_CUDA_TRY(cudaGetDevice(&d), "cudaGetDevice");
    return d;
}

int ep4j_device_synchronize(void) {
    EP4J_CUDA_TRY(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    return EP4J_OK;
}

/* ------------------------------------------------------------------ memory and streams */

int ep4j_malloc(int64_t bytes, int64_t* out_ptr) {
    *out_ptr = 0;
    if (bytes < 0) {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_malloc", "ep4j_malloc: bytes=%lld < 0",
                          static_cast<long long>(bytes));
    }
    if (bytes == 0) return EP4J_OK;
    void* p = nullptr;
    EP4J_CUDA_TRY(cudaMalloc(&p, static_cast<size_t>(bytes)), "cudaMalloc(%lld bytes)",
                  static_cast<long long>(bytes));
    *out_ptr = static_cast<int64_t>(reinterpret_cast<uintptr_t>(p));
    return EP4J_OK;
}

int ep4j_free(int64_t ptr) {
    if (ptr == 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaFree(ep4j::as_dptr<void>(ptr)), "cudaFree(0x%llx)", static_cast<unsigned long long>(ptr));
    return EP4J_OK;
}

int ep4j_memset(int64_t ptr, int value, int64_t bytes, void* stream) {
    if (bytes <= 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaMemsetAsync(ep4j::as_dptr<void>(ptr), value, static_cast<size_t>(bytes), ep4j::as_stream(stream)),
                  "cudaMemsetAsync(0x%llx, %d, %lld bytes)", static_cast<unsigned long long>(ptr), value,
                  static_cast<long long>(bytes));
    return EP4J_OK;
}

int ep4j_memcpy_htod(int64_t dst, const void* src, int64_t bytes, void* stream) {
    if (bytes <= 0) return EP4J_OK;
    const cudaStream_t s = ep4j::as_stream(stream);
    EP4J_CUDA_TRY(cudaMemcpyAsync(ep4j::as_dptr<void>(dst), src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, s),
                  "cudaMemcpyAsync(host to device, %lld bytes)", static_cast<long long>(bytes));
    EP4J_CUDA_TRY(cudaStreamSynchronize(s), "cudaStreamSynchronize(after a %lld-byte host-to-device copy)",
                  static_cast<long long>(bytes));
    return EP4J_OK;
}

int ep4j_memcpy_dtoh(void* dst, int64_t src, int64_t bytes, void* stream) {
    if (bytes <= 0) return EP4J_OK;
    const cudaStream_t s = ep4j::as_stream(stream);
    EP4J_CUDA_TRY(cudaMemcpyAsync(dst, ep4j::as_dptr<const void>(src), static_cast<size_t>(bytes),
                                  cudaMemcpyDeviceToHost, s),
                  "cudaMemcpyAsync(device to host, %lld bytes)", static_cast<long long>(bytes));
    EP4J_CUDA_TRY(cudaStreamSynchronize(s), "cudaStreamSynchronize(after a %lld-byte device-to-host copy)",
                  static_cast<long long>(bytes));
    return EP4J_OK;
}

int ep4j_memcpy_dtod(int64_t dst, int64_t src, int64_t bytes, void* stream) {
    if (bytes <= 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaMemcpyAsync(ep4j::as_dptr<void>(dst), ep4j::as_dptr<const void>(src), static_cast<size_t>(bytes),
                                  cudaMemcpyDeviceToDevice, ep4j::as_stream(stream)),
                  "cudaMemcpyAsync(device to device, %lld bytes)", static_cast<long long>(bytes));
    return EP4J_OK;
}

int ep4j_stream_create(int64_t* out_stream) {
    cudaStream_t s = nullptr;
    *out_stream = 0;
    EP4J_CUDA_TRY(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags(NonBlocking)");
    *out_stream = static_cast<int64_t>(reinterpret_cast<uintptr_t>(s));
    return EP4J_OK;
}

int ep4j_stream_destroy(int64_t stream) {
    if (stream == 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaStreamDestroy(reinterpret_cast<cudaStream_t>(static_cast<uintptr_t>(stream))),
                  "cudaStreamDestroy(0x%llx)", static_cast<unsigned long long>(stream));
    return EP4J_OK;
}

int ep4j_stream_synchronize(void* stream) {
    EP4J_CUDA_TRY(cudaStreamSynchronize(ep4j::as_stream(stream)), "cudaStreamSynchronize");
    return EP4J_OK;
}

}  // extern "C"
