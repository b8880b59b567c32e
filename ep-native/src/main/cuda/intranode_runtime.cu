// intranode_runtime.cu: host side of the intranode kernels: one rank's context (NVL buffer, control block,
// host-mapped record, stream), peer tables, the CPU-sync wait on notify's counters, error records, reset, the
// residency query, and the small runtime wrappers the Java orchestration needs (stream-ordered memory, events,
// CUDA graphs, peer access). No kernels here.
#include <atomic>
#include <chrono>
#include <cstring>
#include <new>
#include <thread>

#include "ep4j_internal.h"
#include "intranode_common.cuh"

namespace ep4j {
int preload_layout_kernels();
namespace intra {
int load_notify_kernels();
int load_dispatch_kernels();
int load_combine_kernels();
int dispatch_blocks_per_sm(int threads, int* out);
int combine_blocks_per_sm(int threads, int* out);
}  // namespace intra
}  // namespace ep4j

using ep4j::fail;
using ep4j::intra::Ctx;
using ep4j::intra::HostRecord;

namespace {

void destroy_ctx(Ctx* c) {
    if (c == nullptr) return;
    if (c->stream != nullptr) {
        cudaStreamSynchronize(c->stream);
        cudaStreamDestroy(c->stream);
    }
    if (c->dev.nvl != nullptr) cudaFree(c->dev.nvl);
    if (c->dev.ctrl != nullptr) cudaFree(c->dev.ctrl);
    if (c->host != nullptr) cudaFreeHost(c->host);
    cudaGetLastError();
    delete c;
}

int invalid(const char* api, const char* what) {
    return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, api, "%s: %s", api, what);
}

}  // namespace

extern "C" {

int ep4j_intra_create(int rank, int num_ranks, int device, int64_t nvl_bytes, int64_t timeout_ns, int64_t* out_ctx) {
    using namespace ep4j::intra;
    *out_ctx = 0;
    if (num_ranks < 1 || num_ranks > kMaxRanks || rank < 0 || rank >= num_ranks || nvl_bytes < 0
        || timeout_ns <= 0) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_create",
                    "ep4j_intra_create: rank=%d of num_ranks=%d (1..%d), nvl_bytes=%lld >= 0, timeout_ns=%lld > 0",
                    rank, num_ranks, kMaxRanks, static_cast<long long>(nvl_bytes),
                    static_cast<long long>(timeout_ns));
    }
    EP4J_CUDA_TRY(cudaSetDevice(device), "cudaSetDevice(%d)", device);
    int rc = load_notify_kernels();
    if (rc == EP4J_OK) rc = load_dispatch_kernels();
    if (rc == EP4J_OK) rc = load_combine_kernels();
    if (rc == EP4J_OK) rc = ep4j::preload_layout_kernels();
    if (rc != EP4J_OK) return rc;
    Ctx* c = new (std::nothrow) Ctx();
    if (c == nullptr) return invalid("ep4j_intra_create", "out of host memory");
    std::memset(c, 0, sizeof(Ctx));
    c->device = device;
    c->nvl_bytes = nvl_bytes;
    c->dev.rank = rank;
    c->dev.num_ranks = num_ranks;
    c->dev.timeout_ns = static_cast<unsigned long long>(timeout_ns);
    cudaError_t err = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking);
    if (err == cudaSuccess && nvl_bytes > 0) err = cudaMalloc(&c->dev.nvl, static_cast<size_t>(nvl_bytes));
    if (err == cudaSuccess) err = cudaMalloc(&c->dev.ctrl, sizeof(int) * kCtrlInts);
    if (err == cudaSuccess) {
        err = cudaHostAlloc(reinterpret_cast<void**>(&c->host), sizeof(HostRecord),
                            cudaHostAllocMapped | cudaHostAllocPortable);
    }
    if (err == cudaSuccess) err = cudaHostGetDevicePointer(reinterpret_cast<void**>(&c->dev.rec), c->host, 0);
    if (err == cudaSuccess && nvl_bytes > 0) err = cudaMemset(c->dev.nvl, 0, static_cast<size_t>(nvl_bytes));
    if (err == cudaSuccess) err = cudaMemset(c->dev.ctrl, 0, sizeof(int) * kCtrlInts);
    if (err == cudaSuccess) {  // warm the stream-ordered pool and the memset path before any collective runs
        void* p = nullptr;
        err = cudaMallocAsync(&p, 1 << 20, c->stream);
        if (err == cudaSuccess) err = cudaMemsetAsync(p, 0, 1 << 20, c->stream);
        if (err == cudaSuccess) err = cudaFreeAsync(p, c->stream);
    }
    if (err == cudaSuccess) err = cudaDeviceSynchronize();
    if (err != cudaSuccess) {
        const int r = ep4j::fail_cuda(err, "ep4j_intra_create(rank %d of %d, device %d, %lld NVL bytes)", rank,
                                      num_ranks, device, static_cast<long long>(nvl_bytes));
        destroy_ctx(c);
        return r;
    }
    std::memset(c->host, 0, sizeof(HostRecord));
    c->dev.peer_nvl = reinterpret_cast<char* const*>(c->dev.ctrl + kPeerNvlOffset);
    c->dev.peer_ctrl = reinterpret_cast<int* const*>(c->dev.ctrl + kPeerCtrlOffset);
    *out_ctx = static_cast<int64_t>(reinterpret_cast<uintptr_t>(c));
    return EP4J_OK;
}

// out[0] NVL buffer, out[1] control block, out[2] stream, out[3] device
int ep4j_intra_info(int64_t ctx, int64_t* out) {
    Ctx* c = ep4j::intra::as_ctx(ctx);
    out[0] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(c->dev.nvl));
    out[1] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(c->dev.ctrl));
    out[2] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(c->stream));
    out[3] = c->device;
    return EP4J_OK;
}

int ep4j_intra_set_peers(int64_t ctx, const int64_t* nvl_ptrs, const int64_t* ctrl_ptrs, int system_scope) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    const size_t bytes = sizeof(int64_t) * static_cast<size_t>(c->dev.num_ranks);
    EP4J_CUDA_TRY(cudaSetDevice(c->device), "cudaSetDevice(%d)", c->device);
    EP4J_CUDA_TRY(cudaMemcpy(c->dev.ctrl + kPeerNvlOffset, nvl_ptrs, bytes, cudaMemcpyHostToDevice),
                  "cudaMemcpy(rank %d peer NVL table)", c->dev.rank);
    EP4J_CUDA_TRY(cudaMemcpy(c->dev.ctrl + kPeerCtrlOffset, ctrl_ptrs, bytes, cudaMemcpyHostToDevice),
                  "cudaMemcpy(rank %d peer control table)", c->dev.rank);
    c->sys = system_scope != 0;
    return EP4J_OK;
}

int ep4j_intra_destroy(int64_t ctx) {
    Ctx* c = ep4j::intra::as_ctx(ctx);
    if (c == nullptr) return EP4J_OK;
    cudaSetDevice(c->device);
    destroy_ctx(c);
    return EP4J_OK;
}

// Waits for everything on the rank's stream (kernels return by themselves: every wait in them times out).
int ep4j_intra_sync(int64_t ctx) {
    Ctx* c = ep4j::intra::as_ctx(ctx);
    EP4J_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize(rank %d stream)", c->dev.rank);
    return EP4J_OK;
}

// Clears the abort flag, the error claim and the barrier signals of this rank and its host record. Call on every
// rank of the group, when no kernel of the group runs, after a timeout.
int ep4j_intra_reset(int64_t ctx) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    EP4J_CUDA_TRY(cudaSetDevice(c->device), "cudaSetDevice(%d)", c->device);
    EP4J_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize(rank %d stream)", c->dev.rank);
    EP4J_CUDA_TRY(cudaMemsetAsync(c->dev.ctrl, 0, sizeof(int) * kExpertOffset, c->stream),
                  "cudaMemsetAsync(rank %d control block)", c->dev.rank);
    EP4J_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize(rank %d stream)", c->dev.rank);
    std::memset(c->host, 0, sizeof(HostRecord));
    return EP4J_OK;
}

// out[0] timeout flag, [1] rank, [2] peer, [3] channel, [4] phase, [5] waited ns, [6] overflow flag,
// [7] overflow count, [8] ready, [9] recv count
int ep4j_intra_record(int64_t ctx, int64_t* out) {
    const HostRecord* h = ep4j::intra::as_ctx(ctx)->host;
    out[0] = h->timeout_flag;
    out[1] = h->rank;
    out[2] = h->peer;
    out[3] = h->channel;
    out[4] = h->phase;
    out[5] = h->waited_ns;
    out[6] = h->overflow_flag;
    out[7] = h->overflow_count;
    out[8] = h->ready;
    out[9] = h->recv_count;
    return EP4J_OK;
}

int ep4j_intra_clear_overflow(int64_t ctx) {
    HostRecord* h = ep4j::intra::as_ctx(ctx)->host;
    h->overflow_flag = 0;
    h->overflow_count = 0;
    return EP4J_OK;
}

// The CPU-sync path: spins until notify published the receive counts (returns 0 and copies Nr and the first
// num_local aligned per-expert counts), the rank recorded a timeout (returns 1), or host_timeout_ns passed
// (returns 2).
int ep4j_intra_wait_counts(int64_t ctx, int64_t host_timeout_ns, int num_local, int* out_recv,
                           int* out_per_expert) {
    using namespace ep4j::intra;
    const HostRecord* h = as_ctx(ctx)->host;
    if (num_local < 0 || num_local > kMaxLocalExperts) {
        return invalid("ep4j_intra_wait_counts", "num_local out of range");
    }
    const auto start = std::chrono::steady_clock::now();
    unsigned spins = 0;
    while (true) {
        if (h->ready != 0) {
            std::atomic_thread_fence(std::memory_order_acquire);
            *out_recv = h->recv_count;
            for (int i = 0; i < num_local; ++i) out_per_expert[i] = h->per_expert[i];
            return 0;
        }
        if (h->timeout_flag != 0) return 1;
        if ((++spins & 1023u) == 0) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start).count();
            if (ns > host_timeout_ns) return 2;
            if (spins > (1u << 20)) std::this_thread::yield();
        }
    }
}

// Blocks per SM at which the dispatch and combine kernels are co-resident with `threads` threads (the minimum of
// both), for the virtual-rank residency check.
int ep4j_intra_blocks_per_sm(int threads, int* out) {
    int a = 0;
    int b = 0;
    int rc = ep4j::intra::dispatch_blocks_per_sm(threads, &a);
    if (rc == EP4J_OK) rc = ep4j::intra::combine_blocks_per_sm(threads, &b);
    if (rc != EP4J_OK) return rc;
    *out = a < b ? a : b;
    return EP4J_OK;
}

/* ---- stream-ordered memory (no device-wide synchronisation while peer kernels spin) ---- */

int ep4j_malloc_async(int64_t bytes, void* stream, int64_t* out_ptr) {
    *out_ptr = 0;
    if (bytes < 0) return invalid("ep4j_malloc_async", "bytes < 0");
    if (bytes == 0) return EP4J_OK;
    void* p = nullptr;
    EP4J_CUDA_TRY(cudaMallocAsync(&p, static_cast<size_t>(bytes), ep4j::as_stream(stream)),
                  "cudaMallocAsync(%lld bytes)", static_cast<long long>(bytes));
    *out_ptr = static_cast<int64_t>(reinterpret_cast<uintptr_t>(p));
    return EP4J_OK;
}

int ep4j_free_async(int64_t ptr, void* stream) {
    if (ptr == 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaFreeAsync(ep4j::as_dptr<void>(ptr), ep4j::as_stream(stream)), "cudaFreeAsync(0x%llx)",
                  static_cast<unsigned long long>(ptr));
    return EP4J_OK;
}

// Keeps freed pool memory cached in the device's default pool (no trimming at synchronisations).
int ep4j_mempool_keep(int device) {
    cudaMemPool_t pool;
    EP4J_CUDA_TRY(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool(%d)", device);
    uint64_t threshold = UINT64_MAX;
    EP4J_CUDA_TRY(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold),
                  "cudaMemPoolSetAttribute(ReleaseThreshold)");
    return EP4J_OK;
}

int ep4j_memcpy_htod_async(int64_t dst, const void* src, int64_t bytes, void* stream) {
    if (bytes <= 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaMemcpyAsync(ep4j::as_dptr<void>(dst), src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice,
                                  ep4j::as_stream(stream)),
                  "cudaMemcpyAsync(host to device, %lld bytes)", static_cast<long long>(bytes));
    return EP4J_OK;
}

int ep4j_memset_async(int64_t ptr, int value, int64_t bytes, void* stream) {
    if (bytes <= 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaMemsetAsync(ep4j::as_dptr<void>(ptr), value, static_cast<size_t>(bytes), ep4j::as_stream(stream)),
                  "cudaMemsetAsync(%lld bytes)", static_cast<long long>(bytes));
    return EP4J_OK;
}

int ep4j_enable_peer_access(int device, int peer) {
    int can = 0;
    EP4J_CUDA_TRY(cudaDeviceCanAccessPeer(&can, device, peer), "cudaDeviceCanAccessPeer(%d, %d)", device, peer);
    if (!can) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_enable_peer_access",
                    "device %d cannot access device %d (no peer-to-peer path); use placement=virtual", device, peer);
    }
    EP4J_CUDA_TRY(cudaSetDevice(device), "cudaSetDevice(%d)", device);
    const cudaError_t err = cudaDeviceEnablePeerAccess(peer, 0);
    if (err != cudaSuccess && err != cudaErrorPeerAccessAlreadyEnabled) {
        return ep4j::fail_cuda(err, "cudaDeviceEnablePeerAccess(%d -> %d)", device, peer);
    }
    cudaGetLastError();
    return EP4J_OK;
}

/* ---- events ---- */

int ep4j_event_create(int64_t* out) {
    cudaEvent_t e;
    EP4J_CUDA_TRY(cudaEventCreate(&e), "cudaEventCreate");
    *out = static_cast<int64_t>(reinterpret_cast<uintptr_t>(e));
    return EP4J_OK;
}

int ep4j_event_destroy(int64_t event) {
    if (event == 0) return EP4J_OK;
    EP4J_CUDA_TRY(cudaEventDestroy(reinterpret_cast<cudaEvent_t>(static_cast<uintptr_t>(event))), "cudaEventDestroy");
    return EP4J_OK;
}

int ep4j_event_record(int64_t event, void* stream) {
    EP4J_CUDA_TRY(cudaEventRecord(reinterpret_cast<cudaEvent_t>(static_cast<uintptr_t>(event)),
                                  ep4j::as_stream(stream)),
                  "cudaEventRecord");
    return EP4J_OK;
}

// Milliseconds from `start` to `end` (both recorded and complete; may be on different streams of one device).
int ep4j_event_elapsed(int64_t start, int64_t end, float* out_ms) {
    EP4J_CUDA_TRY(cudaEventElapsedTime(out_ms, reinterpret_cast<cudaEvent_t>(static_cast<uintptr_t>(start)),
                                       reinterpret_cast<cudaEvent_t>(static_cast<uintptr_t>(end))),
                  "cudaEventElapsedTime");
    return EP4J_OK;
}

/* ---- CUDA graphs (stream capture) ---- */

int ep4j_stream_begin_capture(void* stream) {
    EP4J_CUDA_TRY(cudaStreamBeginCapture(ep4j::as_stream(stream), cudaStreamCaptureModeThreadLocal),
                  "cudaStreamBeginCapture(thread-local)");
    return EP4J_OK;
}

// Ends the capture and instantiates the graph (graph allocations not freed inside the graph are freed before the
// next launch, so it can be replayed): out[0] graph, out[1] executable graph.
int ep4j_stream_end_capture(void* stream, int64_t* out) {
    cudaGraph_t g = nullptr;
    EP4J_CUDA_TRY(cudaStreamEndCapture(ep4j::as_stream(stream), &g), "cudaStreamEndCapture");
    cudaGraphExec_t e = nullptr;
    const cudaError_t err = cudaGraphInstantiateWithFlags(&e, g, cudaGraphInstantiateFlagAutoFreeOnLaunch);
    if (err != cudaSuccess) {
        cudaGraphDestroy(g);
        return ep4j::fail_cuda(err, "cudaGraphInstantiateWithFlags(AutoFreeOnLaunch)");
    }
    out[0] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(g));
    out[1] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(e));
    return EP4J_OK;
}

int ep4j_graph_launch(int64_t exec, void* stream) {
    EP4J_CUDA_TRY(cudaGraphLaunch(reinterpret_cast<cudaGraphExec_t>(static_cast<uintptr_t>(exec)),
                                  ep4j::as_stream(stream)),
                  "cudaGraphLaunch");
    return EP4J_OK;
}

int ep4j_graph_destroy(int64_t graph, int64_t exec) {
    if (exec != 0) {
        EP4J_CUDA_TRY(cudaGraphExecDestroy(reinterpret_cast<cudaGraphExec_t>(static_cast<uintptr_t>(exec))),
                      "cudaGraphExecDestroy");
    }
    if (graph != 0) {
        EP4J_CUDA_TRY(cudaGraphDestroy(reinterpret_cast<cudaGraph_t>(static_cast<uintptr_t>(graph))),
                      "cudaGraphDestroy");
    }
    return EP4J_OK;
}

}  // extern "C"
