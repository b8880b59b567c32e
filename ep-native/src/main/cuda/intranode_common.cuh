// intranode_common.cuh: what the intranode kernels (intranode_notify.cu, intranode_dispatch.cu,
// intranode_combine.cu) and their host side (intranode_runtime.cu) share: the per-rank context, the NVL buffer
// layouts, the host-mapped record, memory-ordering primitives, 16-byte copies and the timed wait.
//
// Ranks and peers. A group has R ranks in one NVLink domain (R is a parameter, 1..kMaxRanks). Every rank owns
//   - an NVL buffer (nvlBufferBytes of device memory) that peers write into: rings, offsets, tails;
//   - a control block (device memory, not counted in nvlBufferBytes, like DeepEP's barrier signals): barrier
//     signals, the abort flag, the per-expert count matrix of notify;
//   - a host-mapped record: notify's counters for the CPU-sync path and the first timeout of a kernel.
// Peers are reached by plain pointers: all ranks on one GPU ("virtual ranks", gpu-scope ordering suffices) or one
// GPU per rank with peer access (system-scope ordering, kSys = true). Both placements run the same kernels.
#ifndef EP4J_INTRANODE_COMMON_CUH
#define EP4J_INTRANODE_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <stdint.h>

namespace ep4j {
namespace intra {

constexpr int kMaxRanks = 32;            // ranks of one NVLink domain (one warp per peer, lanes index peers)
constexpr int kMaxLocalExperts = 1024;   // experts per rank (host-mapped per-expert counters)
constexpr int kMaxThreads = 1024;        // threads per block of the dispatch and combine kernels
constexpr int kNotifyThreads = 512;

// Control block (device memory, ints): [0, kMaxRanks) barrier signals (slot j: +1 when I arrive, -1 when peer j
// arrives); kAbortSlot: set when a wait of this rank timed out, every later wait and kernel of the rank returns;
// kClaimSlot: the first timeout claims the host record; [kExpertOffset, +kMaxRanks * kMaxLocalExperts): notify's
// matrix X[s][i] = selections source s sends to my local expert i.
constexpr int kAbortSlot = kMaxRanks;
constexpr int kClaimSlot = kMaxRanks + 1;
constexpr int kExpertOffset = 64;
// Then the peer tables: kMaxRanks NVL buffer addresses and kMaxRanks control block addresses (8-byte aligned).
constexpr long long kPeerNvlOffset = kExpertOffset + static_cast<long long>(kMaxRanks) * kMaxLocalExperts;
constexpr long long kPeerCtrlOffset = kPeerNvlOffset + 2 * kMaxRanks;
constexpr long long kCtrlInts = kPeerCtrlOffset + 2 * kMaxRanks;

// Phases named in a timeout record (and by the Java side's EpTimeoutException).
enum Phase : int {
    kPhaseNotifyBarrier = 1,      // dispatch notify: barrier with every peer
    kPhaseCachedNotifyBarrier = 2,
    kPhaseDispatchSend = 3,       // sender waits for free ring space at the peer
    kPhaseDispatchRecvMeta = 4,   // receiver waits for the peer's channel start/end offsets
    kPhaseDispatchRecv = 5,       // receiver waits for the peer's tail
    kPhaseCombineBarrier = 6,
    kPhaseCombineSend = 7,
    kPhaseCombineRecv = 8,
};

// Host-mapped, one per rank (cudaHostAllocMapped). The device writes it with plain stores and a system fence; the
// host reads it with volatile loads while (or after) kernels run, and resets it between calls.
struct HostRecord {
    volatile int timeout_flag;    // 1 once a timeout was recorded (written last)
    int rank;                     // the rank that waited
    int peer;                     // the rank it waited for
    int channel;                  // channel, -1 for barriers
    int phase;                    // Phase
    int pad0;
    long long waited_ns;          // how long it waited
    volatile int overflow_flag;   // 1 when the true receive count exceeded numWorstTokens
    int overflow_count;           // that count
    volatile int ready;           // notify wrote recv_count and per_expert
    int recv_count;               // Nr
    int per_expert[kMaxLocalExperts];  // aligned per-local-expert receive counts
};

// What every kernel gets by value: who I am and where my peers are (the peer tables live in my control block).
struct DevCtx {
    int rank;
    int num_ranks;
    unsigned long long timeout_ns;
    int* ctrl;                    // my control block
    char* nvl;                    // my NVL buffer
    HostRecord* rec;              // device address of my host-mapped record
    char* const* peer_nvl;        // [R] every rank's NVL buffer (peer_nvl[rank] == nvl)
    int* const* peer_ctrl;        // [R] every rank's control block
};

// Byte offsets of the dispatch regions in every rank's NVL buffer (identical on all ranks). These are the regions
// of semantics.md section 4.4 with exactly its sizes (so BufferSizing.intranodeDispatchNvlNeed is the true need),
// ordered so that the 16-byte token rings start at offset 0 and every region is naturally aligned:
//   data rings C*R*Tn*Hb | top-k index rings C*R*Tn*K*8 | weight rings C*R*Tn*K*4 | scale rings C*R*Tn*S*4 |
//   source-index rings C*R*Tn*4 | rank prefix matrix R*R*4 | start C*R*4 | end C*R*4 | head C*R*4 | tail C*R*4.
// Ring (c, s) = c*R + s on the receiver holds what sender s sends on channel c.
struct DispatchLayout {
    long long data, idx, weight, scale, src, rank_prefix, start, end, head, tail, total;
};

// Combine regions (semantics.md section 4.7 sizes, BufferSizing.intranodeCombineNvlNeed):
//   data rings C*R*Tn*2H | source-index rings C*R*Tn*4 (reserved: the receiver finds rows through send_head) |
//   weight rings C*R*Tn*K*4 | head C*R*4 | tail C*R*4. Ring (c, r) on the token owner holds what rank r returns.
struct CombineLayout {
    long long data, src, weight, head, tail, total;
};

inline DispatchLayout dispatch_layout(int R, int C, int Tn, long long hidden_bytes, int K, int S) {
    DispatchLayout L;
    const long long ring = static_cast<long long>(C) * R * Tn;
    const long long cr = static_cast<long long>(C) * R;
    L.data = 0;
    L.idx = L.data + ring * hidden_bytes;
    L.weight = L.idx + ring * K * 8;
    L.scale = L.weight + ring * K * 4;
    L.src = L.scale + ring * S * 4;
    L.rank_prefix = L.src + ring * 4;
    L.start = L.rank_prefix + static_cast<long long>(R) * R * 4;
    L.end = L.start + cr * 4;
    L.head = L.end + cr * 4;
    L.tail = L.head + cr * 4;
    L.total = L.tail + cr * 4;
    return L;
}

inline CombineLayout combine_layout(int R, int C, int Tn, int hidden, int K) {
    CombineLayout L;
    const long long ring = static_cast<long long>(C) * R * Tn;
    const long long cr = static_cast<long long>(C) * R;
    L.data = 0;
    L.src = L.data + ring * 2LL * hidden;
    L.weight = L.src + ring * 4;
    L.head = L.weight + ring * K * 4;
    L.tail = L.head + cr * 4;
    L.total = L.tail + cr * 4;
    return L;
}

// Channel c of T tokens owns [start, end) with q = ceil(T / C) (docs/semantics.md "Channels").
__host__ __device__ __forceinline__ int channel_start(int T, int C, int c) {
    const int q = (T + C - 1) / C;
    const long long s = static_cast<long long>(q) * c;
    return s < T ? static_cast<int>(s) : T;
}
__host__ __device__ __forceinline__ int channel_end(int T, int C, int c) {
    const int q = (T + C - 1) / C;
    const int s = channel_start(T, C, c);
    return s + q < T ? s + q : T;
}

// ---- memory ordering: gpu scope for ranks sharing a GPU, system scope for peers on other GPUs ----

template <bool kSys>
__device__ __forceinline__ int ld_acquire(const int* p) {
    int v;
    if (kSys) {
        asm volatile("ld.acquire.sys.global.b32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    } else {
        asm volatile("ld.acquire.gpu.global.b32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    }
    return v;
}

template <bool kSys>
__device__ __forceinline__ int ld_relaxed(const int* p) {
    int v;
    if (kSys) {
        asm volatile("ld.relaxed.sys.global.b32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    } else {
        asm volatile("ld.relaxed.gpu.global.b32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    }
    return v;
}

template <bool kSys>
__device__ __forceinline__ void st_release(int* p, int v) {
    if (kSys) {
        asm volatile("st.release.sys.global.b32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
    } else {
        asm volatile("st.release.gpu.global.b32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
    }
}

template <bool kSys>
__device__ __forceinline__ void st_relaxed(int* p, int v) {
    if (kSys) {
        asm volatile("st.relaxed.sys.global.b32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
    } else {
        asm volatile("st.relaxed.gpu.global.b32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
    }
}

template <bool kSys>
__device__ __forceinline__ void fence() {
    if (kSys) {
        __threadfence_system();
    } else {
        __threadfence();
    }
}

template <bool kSys>
__device__ __forceinline__ void atomic_add(int* p, int v) {
    if (kSys) {
        atomicAdd_system(p, v);
    } else {
        atomicAdd(p, v);
    }
}

// ---- 16-byte loads and stores ----
// Plain (non-volatile) intrinsics, so the compiler may overlap independent loads; the acquire loads and barriers
// above are asm volatile with a memory clobber, so no load moves across them.

// Input that no kernel writes while this one runs (x, expert outputs, biases): read-only path.
__device__ __forceinline__ int4 ld_input(const int4* p) { return __ldg(p); }

// Ring slots that another SM (or GPU) rewrites during the kernel: ld.global.cg caches in L2 only, so a later lap of
// the ring can never hit a stale L1 line.
__device__ __forceinline__ int4 ld_ring(const int4* p) { return __ldcg(p); }
__device__ __forceinline__ int ld_ring(const int* p) { return __ldcg(p); }
__device__ __forceinline__ long long ld_ring(const long long* p) { return __ldcg(p); }
__device__ __forceinline__ float ld_ring(const float* p) { return __ldcg(p); }

// Ring writes stay in L2 for the reader (st.global.cg); output rows are streamed (st.global.cs, evict first).
__device__ __forceinline__ void st_ring(int4* p, const int4& v) { __stcg(p, v); }
__device__ __forceinline__ void st_out(int4* p, const int4& v) { __stcs(p, v); }

// A warp copies `n16` 16-byte words from src to dst, four loads in flight per lane. kToRing: x row -> ring slot,
// else ring slot -> output row.
template <bool kToRing>
__device__ __forceinline__ void warp_copy16(int4* __restrict__ dst, const int4* __restrict__ src, int n16,
                                            int lane) {
    int i = lane;
    for (; i + 96 < n16; i += 128) {
        const int4 a = kToRing ? ld_input(src + i) : ld_ring(src + i);
        const int4 b = kToRing ? ld_input(src + i + 32) : ld_ring(src + i + 32);
        const int4 c = kToRing ? ld_input(src + i + 64) : ld_ring(src + i + 64);
        const int4 d = kToRing ? ld_input(src + i + 96) : ld_ring(src + i + 96);
        if (kToRing) {
            st_ring(dst + i, a);
            st_ring(dst + i + 32, b);
            st_ring(dst + i + 64, c);
            st_ring(dst + i + 96, d);
        } else {
            st_out(dst + i, a);
            st_out(dst + i + 32, b);
            st_out(dst + i + 64, c);
            st_out(dst + i + 96, d);
        }
    }
    for (; i < n16; i += 32) {
        if (kToRing) {
            st_ring(dst + i, ld_input(src + i));
        } else {
            st_out(dst + i, ld_ring(src + i));
        }
    }
}

__device__ __forceinline__ void warp_zero16(int4* dst, long long n16, int lane) {
    const int4 z = make_int4(0, 0, 0, 0);
    for (long long i = lane; i < n16; i += 32) st_out(dst + i, z);
}

// ---- named barriers: warp groups of one block synchronise without the rest ----

__device__ __forceinline__ void group_sync(int group, int warps_per_group) {
    if (warps_per_group == 1) {
        __syncwarp();
    } else {
        asm volatile("bar.sync %0, %1;" ::"r"(group + 1), "r"(warps_per_group * 32) : "memory");
    }
}

// ---- timed waits ----

__device__ __forceinline__ unsigned long long global_timer_ns() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

__device__ __forceinline__ bool aborted(const DevCtx& ctx) {
    return *reinterpret_cast<volatile int*>(ctx.ctrl + kAbortSlot) != 0;
}

// Records the first timeout of this rank in its host-mapped record and raises the abort flag, so that every other
// wait of the rank gives up and every block returns (no trap: the context stays usable).
static __device__ __noinline__ void record_timeout(int* ctrl, HostRecord* r, int rank, int peer, int channel, int phase,
                                                    unsigned long long waited) {
    if (atomicCAS(ctrl + kClaimSlot, 0, 1) == 0) {
        r->rank = rank;
        r->peer = peer;
        r->channel = channel;
        r->phase = phase;
        r->waited_ns = static_cast<long long>(waited);
        __threadfence_system();
        r->timeout_flag = 1;
        __threadfence_system();
    }
    atomicExch(ctrl + kAbortSlot, 1);
}

// One spinning wait: call poll() after every failed check; it returns true when the wait must stop (this rank
// aborted, or the timeout passed, which it records). The clock and the abort flag are read every 32 polls.
struct Waiter {
    unsigned long long start = 0;
    unsigned int polls = 0;

    __device__ __forceinline__ bool poll(const DevCtx& ctx, int peer, int channel, int phase) {
        if ((++polls & 31u) != 0) return false;
        if (aborted(ctx)) return true;
        const unsigned long long now = global_timer_ns();
        if (start == 0) {
            start = now;
            return false;
        }
        if (now - start > ctx.timeout_ns) {
            record_timeout(ctx.ctrl, ctx.rec, ctx.rank, peer, channel, phase, now - start);
            return true;
        }
        return false;
    }
};

// Block-wide barrier with every rank (semantics.md section 4.1, +1/-1 signals): thread j < R handles peer j.
// All threads of the block must call it. Returns false (on every thread) when it timed out or the rank aborted.
template <bool kSys>
__device__ bool barrier_block(const DevCtx& ctx, int phase) {
    __shared__ int s_bad;
    if (threadIdx.x == 0) s_bad = 0;
    fence<kSys>();    // every thread's earlier writes (to peers too) are visible before the signals below
    __syncthreads();
    const int j = static_cast<int>(threadIdx.x);
    if (j < ctx.num_ranks) {
        fence<kSys>();
        atomic_add<kSys>(ctx.peer_ctrl[j] + ctx.rank, -1);
        atomic_add<kSys>(ctx.ctrl + j, 1);
        Waiter w;
        while (ld_acquire<kSys>(ctx.ctrl + j) > 0) {
            if (w.poll(ctx, j, -1, phase)) {
                s_bad = 1;
                break;
            }
        }
    }
    __syncthreads();
    const bool ok = s_bad == 0;
    __syncthreads();
    return ok;
}

// ---- BF16 ----

__device__ __forceinline__ float bf16_lo(uint32_t u) { return __uint_as_float(u << 16); }
__device__ __forceinline__ float bf16_hi(uint32_t u) { return __uint_as_float(u & 0xFFFF0000u); }

__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
    const uint32_t a = __bfloat16_as_ushort(__float2bfloat16_rn(lo));
    const uint32_t b = __bfloat16_as_ushort(__float2bfloat16_rn(hi));
    return a | (b << 16);
}

// ---- host side: one rank's state, created by ep4j_intra_create (intranode_runtime.cu) ----

struct Ctx {
    DevCtx dev;                   // what kernels get (peers filled by ep4j_intra_set_peers)
    int device;                   // the rank's GPU
    int sys;                      // 1 when peers live on other GPUs (system-scope ordering)
    long long nvl_bytes;          // size of dev.nvl
    cudaStream_t stream;          // the rank's stream (non-blocking)
    HostRecord* host;             // host address of the mapped record
};

inline Ctx* as_ctx(int64_t h) { return reinterpret_cast<Ctx*>(static_cast<uintptr_t>(h)); }

}  // namespace intra
}  // namespace ep4j

#endif  // EP4J_INTRANODE_COMMON_CUH
