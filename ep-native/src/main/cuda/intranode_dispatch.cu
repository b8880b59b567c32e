// intranode_dispatch.cu: the intranode normal dispatch kernel (semantics.md sections 4.3-4.6, docs/semantics.md
// "Normal dispatch"). Runs after notify (or cached notify) on the rank's stream.
//
// Grid: 2C blocks; block 2c sends channel c, block 2c+1 receives channel c. A block has W warps (W >= R), split
// into R warp groups of G = W / R warps (one group per peer; extra warps idle).
//
// Sender group for destination d: publishes the channel's [start, end) among the tokens going to d (encoded
// -v-1 so 0 means "not yet") into d's buffer, then walks the channel's tokens in order and moves those going to d
// into d's ring (c, me) in chunks of at most `chunk` tokens: warp 0 waits for `chunk` free slots (acquire load of
// the receiver's head), the group copies the chunk (token i of the chunk by warp i % G: hidden row with 16-byte
// stores, source index, top-k ids remapped to d's local experts (-1 elsewhere) with their weights (0 where -1),
// scales), synchronises on a named barrier, and warp 0 publishes the new tail with a release store. Afterwards
// (fresh dispatch only) warp 0 writes send_head[t][d] = position of t in the stream to d, or -1.
//
// Receiver group for source s: waits for s's start/end, then repeatedly: warp 0 acquires s's tail, the group
// copies the new slots to rows rank_offset(s) + start + position (rank_offset = P[s-1][me] from the rank prefix
// matrix in this rank's buffer), and warp 0 releases the head so s sees the freed space. Rows at or beyond the
// allocated row count are skipped (worst-case allocation overflow, reported by notify). The receiver blocks then
// fill rows [Nr, num_rows) with padding: recv_x 0, scales 0, top-k -1, weights 0, source index -1.
//
// Every wait times out (DevCtx::timeout_ns): the rank's abort flag is raised and all blocks return.
#include "ep4j_internal.h"
#include "intranode_common.cuh"

namespace ep4j {
namespace intra {
namespace {

struct DispatchArgs {
    const char* x;            // [T, Hb bytes]
    const int* scales;        // [T, S] 4-byte words (float or packed UE8M0), or null
    const void* topk_idx;     // [T, K] int64 (idx_bytes 8) or int32, or null (K == 0)
    const float* topk_w;      // [T, K]
    const uint8_t* in_rank;   // [T, R]
    const int* cpm;           // [R, C] inclusive channel prefix (sender side)
    char* recv_x;             // [rows, Hb]
    int* recv_scales;         // [rows, S] or null
    long long* recv_idx;      // [rows, K] or null
    float* recv_w;            // [rows, K] or null
    int* recv_src;            // [rows] or null (cached)
    int* recv_cpm;            // [R, C] or null (cached)
    int* send_head;           // [T, R] or null (cached)
    long long hidden_bytes;   // Hb, a multiple of 16
    long long num_rows;       // rows allocated for the outputs
    int idx_bytes;
    int K;
    int S;
    int e_loc;
    int T;
    int C;
    int Tn;
    int chunk;
    DispatchLayout L;
};

struct GroupState {
    int value;   // tail seen by the receiver / start of the channel block
    int value2;  // end of the channel block
    int bad;     // 1 when the wait gave up
};

// Copies one token of the sender (row t) into ring slot `slot` of destination d.
__device__ __forceinline__ void send_token(const DispatchArgs& a, char* dst, long long ring, int slot, int t, int d,
                                           int lane) {
    const long long s = ring * a.Tn + slot;
    warp_copy16<true>(reinterpret_cast<int4*>(dst + a.L.data + s * a.hidden_bytes),
                       reinterpret_cast<const int4*>(a.x + static_cast<long long>(t) * a.hidden_bytes),
                       static_cast<int>(a.hidden_bytes / 16), lane);
    if (lane == 0) reinterpret_cast<int*>(dst + a.L.src)[s] = t;
    if (lane < a.K) {
        const long long k = static_cast<long long>(t) * a.K + lane;
        const long long e = a.idx_bytes == 8 ? static_cast<const long long*>(a.topk_idx)[k]
                                             : static_cast<long long>(static_cast<const int*>(a.topk_idx)[k]);
        const long long lo = static_cast<long long>(d) * a.e_loc;
        const bool here = e >= lo && e < lo + a.e_loc;
        reinterpret_cast<long long*>(dst + a.L.idx)[s * a.K + lane] = here ? e - lo : -1;
        reinterpret_cast<float*>(dst + a.L.weight)[s * a.K + lane] = here ? a.topk_w[k] : 0.0f;
    }
    if (a.S > 0) {
        int* ds = reinterpret_cast<int*>(dst + a.L.scale) + s * a.S;
        const int* ss = a.scales + static_cast<long long>(t) * a.S;
        for (int i = lane; i < a.S; i += 32) ds[i] = __ldg(ss + i);
    }
}

// Copies ring slot `slot` of ring `ring` (in my buffer) to output row `row`.
__device__ __forceinline__ void recv_token(const DispatchArgs& a, const char* buf, long long ring, int slot,
                                           long long row, int lane) {
    const long long s = ring * a.Tn + slot;
    warp_copy16<false>(reinterpret_cast<int4*>(a.recv_x + row * a.hidden_bytes),
                      reinterpret_cast<const int4*>(buf + a.L.data + s * a.hidden_bytes),
                      static_cast<int>(a.hidden_bytes / 16), lane);
    if (lane == 0 && a.recv_src != nullptr) a.recv_src[row] = ld_ring(reinterpret_cast<const int*>(buf + a.L.src) + s);
    if (lane < a.K && a.recv_idx != nullptr) {
        a.recv_idx[row * a.K + lane] = ld_ring(reinterpret_cast<const long long*>(buf + a.L.idx) + s * a.K + lane);
        a.recv_w[row * a.K + lane] = ld_ring(reinterpret_cast<const float*>(buf + a.L.weight) + s * a.K + lane);
    }
    if (a.S > 0) {
        const int* ss = reinterpret_cast<const int*>(buf + a.L.scale) + s * a.S;
        for (int i = lane; i < a.S; i += 32) a.recv_scales[row * a.S + i] = ld_ring(ss + i);
    }
}

template <bool kSys>
__device__ void run_sender(const DevCtx& ctx, const DispatchArgs& a, int c, int d, int wg, int G, GroupState* st) {
    const int lane = static_cast<int>(threadIdx.x) & 31;
    const int R = ctx.num_ranks;
    const int me = ctx.rank;
    char* dst = ctx.peer_nvl[d];
    const long long ring = static_cast<long long>(c) * R + me;
    int* start_p = reinterpret_cast<int*>(dst + a.L.start) + ring;
    int* end_p = reinterpret_cast<int*>(dst + a.L.end) + ring;
    int* tail_p = reinterpret_cast<int*>(dst + a.L.tail) + ring;
    const int* head_p = reinterpret_cast<const int*>(dst + a.L.head) + ring;
    const int tstart = channel_start(a.T, a.C, c);
    const int tend = channel_end(a.T, a.C, c);
    const int beg = c > 0 ? a.cpm[d * a.C + c - 1] : 0;
    const int total = a.cpm[d * a.C + c] - beg;
    if (wg == 0 && lane == 0) {
        st_relaxed<kSys>(start_p, -beg - 1);
        st_release<kSys>(end_p, -(beg + total) - 1);
    }

    int tail = 0;         // slots of the stream to d written so far
    int cached_head = 0;  // last head read from d
    int t = tstart;       // first token not yet scanned
    while (tail < total) {
        const int n = min(a.chunk, total - tail);
        if (wg == 0) {
            int bad = 0;
            if (lane == 0) {
                Waiter w;
                while (a.Tn - (tail - cached_head) < n) {
                    cached_head = ld_acquire<kSys>(head_p);
                    if (a.Tn - (tail - cached_head) >= n) break;
                    if (w.poll(ctx, d, c, kPhaseDispatchSend)) {
                        bad = 1;
                        break;
                    }
                }
                st->bad = bad;
            }
        }
        group_sync(d, G);
        if (st->bad) break;
        // this chunk: the next n tokens of [t, tend) that go to d; token i of the chunk is copied by warp i % G
        int sel = 0;
        while (sel < n && t < tend) {  // t < tend only fails for a handle inconsistent with its is_token_in_rank
            const int tt = t + lane;
            const bool go = tt < tend && a.in_rank[static_cast<long long>(tt) * R + d] != 0;
            unsigned mask = __ballot_sync(0xffffffffu, go);
            const int cnt = __popc(mask);
            int advance = 32;
            if (sel + cnt > n) {
                // keep the first (n - sel) tokens of the window
                unsigned keep = 0;
                for (int k = 0; k < n - sel; ++k) {
                    const unsigned low = mask & (~mask + 1u);
                    keep |= low;
                    mask &= mask - 1u;
                }
                mask = keep;
                advance = 32 - __clz(static_cast<int>(keep));  // one past the last kept lane
            }
            unsigned m = mask;
            int i = sel;
            while (m != 0) {
                const int j = __ffs(static_cast<int>(m)) - 1;
                m &= m - 1u;
                if (i % G == wg) send_token(a, dst, ring, (tail + i) % a.Tn, t + j, d, lane);
                ++i;
            }
            sel = i;
            t += advance;
        }
        group_sync(d, G);
        tail += n;
        if (wg == 0 && lane == 0) st_release<kSys>(tail_p, tail);
    }
    // send_head for this (channel, destination): the token's position in the stream to d, or -1
    if (a.send_head != nullptr && wg == 0) {
        int pos = 0;
        for (int t0 = tstart; t0 < tend; t0 += 32) {
            const int tt = t0 + lane;
            const bool go = tt < tend && a.in_rank[static_cast<long long>(tt) * R + d] != 0;
            const unsigned mask = __ballot_sync(0xffffffffu, go);
            if (tt < tend) {
                a.send_head[static_cast<long long>(tt) * R + d] = go ? pos + __popc(mask & ((1u << lane) - 1u)) : -1;
            }
            pos += __popc(mask);
        }
    }
}

template <bool kSys>
__device__ void run_receiver(const DevCtx& ctx, const DispatchArgs& a, int c, int s, int wg, int G,
                             GroupState* st) {
    const int lane = static_cast<int>(threadIdx.x) & 31;
    const int R = ctx.num_ranks;
    const int me = ctx.rank;
    char* buf = ctx.nvl;
    const long long ring = static_cast<long long>(c) * R + s;
    const int* start_p = reinterpret_cast<const int*>(buf + a.L.start) + ring;
    const int* end_p = reinterpret_cast<const int*>(buf + a.L.end) + ring;
    const int* tail_p = reinterpret_cast<const int*>(buf + a.L.tail) + ring;
    int* head_p = reinterpret_cast<int*>(buf + a.L.head) + ring;
    if (wg == 0 && lane == 0) {
        Waiter w;
        int bad = 0;
        int b = 0;
        int e = 0;
        while (true) {
            e = ld_acquire<kSys>(end_p);
            b = ld_relaxed<kSys>(start_p);
            if (e != 0 && b != 0) break;
            if (w.poll(ctx, s, c, kPhaseDispatchRecvMeta)) {
                bad = 1;
                break;
            }
        }
        st->value = -b - 1;
        st->value2 = -e - 1;
        st->bad = bad;
    }
    group_sync(s, G);
    if (st->bad) return;
    const int beg = st->value;
    const int total = st->value2 - beg;
    const int* rpm = reinterpret_cast<const int*>(buf + a.L.rank_prefix);
    const long long base = (s > 0 ? rpm[(s - 1) * R + me] : 0) + static_cast<long long>(beg);
    if (a.recv_cpm != nullptr && wg == 0 && lane == 0) a.recv_cpm[s * a.C + c] = beg;
    group_sync(s, G);  // everybody read st before it is reused

    int head = 0;
    while (head < total) {
        if (wg == 0 && lane == 0) {
            Waiter w;
            int tl = ld_acquire<kSys>(tail_p);
            while (tl <= head) {
                if (w.poll(ctx, s, c, kPhaseDispatchRecv)) {
                    tl = -1;
                    break;
                }
                tl = ld_acquire<kSys>(tail_p);
            }
            st->value = tl;
        }
        group_sync(s, G);
        const int tl = st->value;
        if (tl < 0) break;
        for (int i = head + wg; i < tl; i += G) {
            const long long row = base + i;
            if (row < a.num_rows) recv_token(a, buf, ring, i % a.Tn, row, lane);
        }
        group_sync(s, G);
        head = tl;
        if (wg == 0 && lane == 0) st_release<kSys>(head_p, head);
    }
}

template <bool kSys>
__global__ void __launch_bounds__(kMaxThreads)
dispatch_kernel(DevCtx ctx, DispatchArgs a) {
    __shared__ GroupState s_state[kMaxRanks];
    if (aborted(ctx)) return;
    const int R = ctx.num_ranks;
    const int warp = static_cast<int>(threadIdx.x) >> 5;
    const int nwarps = static_cast<int>(blockDim.x) >> 5;
    int G = nwarps / R;
    if (G > 1 && R > 15) G = 1;  // named barrier ids 1..15
    const int group = warp / G;
    const int wg = warp % G;
    const int c = static_cast<int>(blockIdx.x) >> 1;
    const bool sender = (blockIdx.x & 1) == 0;
    if (group < R) {
        if (sender) {
            run_sender<kSys>(ctx, a, c, group, wg, G, s_state + group);
        } else {
            run_receiver<kSys>(ctx, a, c, group, wg, G, s_state + group);
        }
    }
    if (sender || a.num_rows <= 0) return;

    // padding rows [Nr, num_rows), split over the C receiver blocks
    __syncthreads();
    const int* rpm = reinterpret_cast<const int*>(ctx.nvl + a.L.rank_prefix);
    const long long nr = rpm[(R - 1) * R + ctx.rank];
    if (nr >= a.num_rows) return;
    const long long pad = a.num_rows - nr;
    const long long per = (pad + a.C - 1) / a.C;
    const long long r0 = nr + per * c;
    const long long r1 = min(r0 + per, a.num_rows);
    if (r0 >= r1) return;
    const int lane = static_cast<int>(threadIdx.x) & 31;
    for (long long row = r0 + warp; row < r1; row += nwarps) {
        warp_zero16(reinterpret_cast<int4*>(a.recv_x + row * a.hidden_bytes), a.hidden_bytes / 16, lane);
        for (int i = lane; i < a.S; i += 32) a.recv_scales[row * a.S + i] = 0;
        if (a.recv_idx != nullptr) {
            for (int i = lane; i < a.K; i += 32) {
                a.recv_idx[row * a.K + i] = -1;
                a.recv_w[row * a.K + i] = 0.0f;
            }
        }
        if (lane == 0 && a.recv_src != nullptr) a.recv_src[row] = -1;
    }
}

}  // namespace

int load_dispatch_kernels() {
    cudaFuncAttributes attr;
    EP4J_CUDA_TRY(cudaFuncGetAttributes(&attr, dispatch_kernel<false>), "cudaFuncGetAttributes(dispatch_kernel)");
    EP4J_CUDA_TRY(cudaFuncGetAttributes(&attr, dispatch_kernel<true>), "cudaFuncGetAttributes(dispatch_kernel)");
    return EP4J_OK;
}

int dispatch_blocks_per_sm(int threads, int* out) {
    EP4J_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(out, dispatch_kernel<false>, threads, 0),
                  "cudaOccupancyMaxActiveBlocksPerMultiprocessor(dispatch_kernel, %d threads)", threads);
    return EP4J_OK;
}

}  // namespace intra
}  // namespace ep4j

using ep4j::fail;

// Threads per block of the dispatch and combine kernels for R ranks: 16 warps, or one warp per peer beyond 16.
extern "C" int ep4j_intra_block_threads(int num_ranks) { return 32 * (num_ranks > 16 ? num_ranks : 16); }

extern "C" int ep4j_intra_dispatch(int64_t ctx, int64_t x, int64_t hidden_bytes, int64_t scales, int scale_words,
                                   int64_t topk_idx, int idx_bytes, int64_t topk_weights, int topk, int num_experts,
                                   int64_t is_token_in_rank, int64_t channel_prefix, int num_tokens,
                                   int num_channels, int nvl_recv_tokens, int nvl_chunk_tokens, int64_t num_rows,
                                   int64_t recv_x, int64_t recv_scales, int64_t recv_topk_idx,
                                   int64_t recv_topk_weights, int64_t recv_src_idx, int64_t recv_channel_prefix,
                                   int64_t send_head) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    const int R = c->dev.num_ranks;
    if (hidden_bytes <= 0 || hidden_bytes % 16 != 0 || num_tokens < 0 || num_channels < 1 || nvl_recv_tokens < 2
        || nvl_chunk_tokens < 1 || nvl_chunk_tokens >= nvl_recv_tokens || topk < 0 || topk > 32 || scale_words < 0
        || num_rows < 0 || (topk > 0 && (idx_bytes != 4 && idx_bytes != 8)) || (topk > 0 && num_experts % R != 0)) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_dispatch",
                    "ep4j_intra_dispatch: bad arguments Hb=%lld T=%d C=%d Tn=%d chunk=%d K=%d S=%d rows=%lld "
                    "idx_bytes=%d E=%d R=%d",
                    static_cast<long long>(hidden_bytes), num_tokens, num_channels, nvl_recv_tokens,
                    nvl_chunk_tokens, topk, scale_words, static_cast<long long>(num_rows), idx_bytes, num_experts,
                    R);
    }
    DispatchArgs a;
    a.L = dispatch_layout(R, num_channels, nvl_recv_tokens, hidden_bytes, topk, scale_words);
    if (a.L.total > c->nvl_bytes) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_dispatch",
                    "ep4j_intra_dispatch: the call needs %lld bytes of NVL buffer but rank %d has %lld", a.L.total,
                    c->dev.rank, c->nvl_bytes);
    }
    a.x = ep4j::as_dptr<const char>(x);
    a.scales = ep4j::as_dptr<const int>(scales);
    a.topk_idx = ep4j::as_dptr<const void>(topk_idx);
    a.topk_w = ep4j::as_dptr<const float>(topk_weights);
    a.in_rank = ep4j::as_dptr<const uint8_t>(is_token_in_rank);
    a.cpm = ep4j::as_dptr<const int>(channel_prefix);
    a.recv_x = ep4j::as_dptr<char>(recv_x);
    a.recv_scales = ep4j::as_dptr<int>(recv_scales);
    a.recv_idx = topk > 0 ? ep4j::as_dptr<long long>(recv_topk_idx) : nullptr;
    a.recv_w = ep4j::as_dptr<float>(recv_topk_weights);
    a.recv_src = ep4j::as_dptr<int>(recv_src_idx);
    a.recv_cpm = ep4j::as_dptr<int>(recv_channel_prefix);
    a.send_head = ep4j::as_dptr<int>(send_head);
    a.hidden_bytes = hidden_bytes;
    a.num_rows = num_rows;
    a.idx_bytes = idx_bytes;
    a.K = topk;
    a.S = scale_words;
    a.e_loc = topk > 0 ? num_experts / R : 0;
    a.T = num_tokens;
    a.C = num_channels;
    a.Tn = nvl_recv_tokens;
    a.chunk = nvl_chunk_tokens;
    const int threads = ep4j_intra_block_threads(R);
    if (c->sys) {
        dispatch_kernel<true><<<2 * num_channels, threads, 0, c->stream>>>(c->dev, a);
    } else {
        dispatch_kernel<false><<<2 * num_channels, threads, 0, c->stream>>>(c->dev, a);
    }
    EP4J_CUDA_TRY(cudaGetLastError(), "dispatch_kernel<<<%d, %d>>> (rank %d, R=%d, T=%d, Hb=%lld)",
                  2 * num_channels, threads, c->dev.rank, R, num_tokens, static_cast<long long>(hidden_bytes));
    return EP4J_OK;
}
