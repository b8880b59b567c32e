// copy_bw.cu: the copy-bandwidth probe, the ceiling the benchmark tables compare dispatch/combine against.
//
// ep4j_copy_bandwidth copies `bytes` from one device buffer to another `warmup` + `iters` times on a private stream,
// times each of the last `iters` copies with a pair of CUDA events, and reports the median, min and max time and
// 2 * bytes / median (bytes read + written per second, the convention of the GPU host facts in native-build.md).
// mode 0 uses cudaMemcpyAsync (the copy engine path the driver picks); mode 1 an SM copy kernel with 16-byte
// vector loads and stores over all SMs (the path NVLink-store kernels take).
#include <algorithm>
#include <vector>

#include "ep4j_internal.h"

namespace {

// Copies n16 16-byte words, then the `tail` last bytes one by one. Grid-stride; every word is read once and
// written once.
__global__ void sm_copy_kernel(int4* __restrict__ dst, const int4* __restrict__ src, long long n16,
                               char* __restrict__ dst_tail, const char* __restrict__ src_tail, int tail) {
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n16; i += stride) {
        dst[i] = __ldg(src + i);
    }
    if (blockIdx.x == 0 && static_cast<int>(threadIdx.x) < tail) dst_tail[threadIdx.x] = src_tail[threadIdx.x];
}

// Frees what one probe run allocated, whatever the exit path.
struct ProbeResources {
    void* src = nullptr;
    void* dst = nullptr;
    cudaStream_t stream = nullptr;
    std::vector<cudaEvent_t> events;
    ~ProbeResources() {
        for (cudaEvent_t e : events) cudaEventDestroy(e);
        if (stream != nullptr) cudaStreamDestroy(stream);
        cudaFree(src);
        cudaFree(dst);
    }
};

}  // namespace

extern "C" int ep4j_copy_bandwidth(int64_t bytes, int iters, int warmup, int mode, double* out) {
    using ep4j::fail;
    if (out == nullptr || bytes < 16 || iters < 1 || iters > 100000 || warmup < 0 || (mode != 0 && mode != 1)) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_copy_bandwidth",
                    "ep4j_copy_bandwidth: need bytes=%lld >= 16, iters=%d in [1, 100000], warmup=%d >= 0, mode=%d "
                    "0 or 1, and an out array of 4 doubles", static_cast<long long>(bytes), iters, warmup, mode);
    }
    const size_t n = static_cast<size_t>(bytes);
    ProbeResources res;
    EP4J_CUDA_TRY(cudaMalloc(&res.src, n), "cudaMalloc(%lld bytes, copy probe source)", static_cast<long long>(bytes));
    EP4J_CUDA_TRY(cudaMalloc(&res.dst, n), "cudaMalloc(%lld bytes, copy probe destination)",
                  static_cast<long long>(bytes));
    EP4J_CUDA_TRY(cudaStreamCreateWithFlags(&res.stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    EP4J_CUDA_TRY(cudaMemsetAsync(res.src, 0x5a, n, res.stream), "cudaMemsetAsync(copy probe source)");
    res.events.resize(2 * static_cast<size_t>(iters), nullptr);
    for (cudaEvent_t& e : res.events) EP4J_CUDA_TRY(cudaEventCreate(&e), "cudaEventCreate");

    int device = 0;
    int sms = 0;
    EP4J_CUDA_TRY(cudaGetDevice(&device), "cudaGetDevice");
    EP4J_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                  "cudaDeviceGetAttribute(MultiProcessorCount)");
    const long long n16 = static_cast<long long>(n / 16);
    const int tail = static_cast<int>(n % 16);
    const int threads = 512;
    const int blocks = sms * 4;

    auto one_copy = [&]() -> int {
        if (mode == 0) {
            EP4J_CUDA_TRY(cudaMemcpyAsync(res.dst, res.src, n, cudaMemcpyDeviceToDevice, res.stream),
                          "cudaMemcpyAsync(device to device, %lld bytes)", static_cast<long long>(bytes));
        } else {
            sm_copy_kernel<<<blocks, threads, 0, res.stream>>>(
                static_cast<int4*>(res.dst), static_cast<const int4*>(res.src), n16,
                static_cast<char*>(res.dst) + n16 * 16, static_cast<const char*>(res.src) + n16 * 16, tail);
            EP4J_CUDA_TRY(cudaGetLastError(), "sm_copy_kernel<<<%d, %d>>>(%lld bytes)", blocks, threads,
                          static_cast<long long>(bytes));
        }
        return EP4J_OK;
    };

    for (int i = 0; i < warmup; ++i) {
        if (int rc = one_copy()) return rc;
    }
    for (int i = 0; i < iters; ++i) {
        EP4J_CUDA_TRY(cudaEventRecord(res.events[2 * i], res.stream), "cudaEventRecord");
        if (int rc = one_copy()) return rc;
        EP4J_CUDA_TRY(cudaEventRecord(res.events[2 * i + 1], res.stream), "cudaEventRecord");
    }
    EP4J_CUDA_TRY(cudaStreamSynchronize(res.stream), "cudaStreamSynchronize(copy probe)");

    std::vector<double> seconds(static_cast<size_t>(iters));
    for (int i = 0; i < iters; ++i) {
        float ms = 0.0f;
        EP4J_CUDA_TRY(cudaEventElapsedTime(&ms, res.events[2 * i], res.events[2 * i + 1]), "cudaEventElapsedTime");
        seconds[static_cast<size_t>(i)] = ms * 1e-3;
    }
    std::sort(seconds.begin(), seconds.end());
    const size_t m = seconds.size();
    const double median = m % 2 == 1 ? seconds[m / 2] : 0.5 * (seconds[m / 2 - 1] + seconds[m / 2]);
    out[0] = median;
    out[1] = seconds.front();
    out[2] = seconds.back();
    out[3] = median > 0 ? 2.0 * static_cast<double>(bytes) / median : 0.0;
    return EP4J_OK;
}
