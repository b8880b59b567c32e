// intranode_combine.cu: the intranode normal combine kernel (semantics.md section 4.7, docs/semantics.md "Normal
// combine"), the reverse of a dispatch whose handle is given. Runs after combine notify on the rank's stream.
//
// Grid: 2C blocks; block 2c sends channel c, block 2c+1 receives channel c; W warps per block (W >= R).
//
// Sender (this rank as the expert rank), warp group for the token owner d: the rows that arrived from d on channel
// c during the dispatch are [P[d-1][me] + rcpm[d][c], P[d-1][me] + rcpm[d][c + 1]) (the last channel ends at
// P[d][me]); they are streamed in that order into d's ring (c, me): hidden row (BF16) and K weights per slot,
// in chunks of at most `chunk` rows, each after a wait for free space (acquire load of d's head) and published by
// a release store of the tail. So position j of the stream (c, me -> d) is the j-th token of d's channel c that
// went to me, which is send_head[t][me] on d.
//
// Receiver (this rank as the token owner), all warps: the channel's tokens [start, end) (the same split as the
// dispatch sender's) in batches of B tokens, token t by warp (t - t0) % W. For token t, lane r reads
// h_r = send_head[t][r]; for every r with h_r >= 0 it waits until r's tail exceeds h_r, then the warp computes,
// per element, acc = 0 (+ bias0[t]) (+ bias1[t]) + ring_r[h_r] for r ascending, in float32, and stores one
// round-to-nearest-even BF16; weights: w[k] = sum over r ascending of ring weights, from 0. Tokens sent nowhere
// get bias0 + bias1 (or 0) and weights 0. After each batch (block barrier) the head of ring (c, r) is released to
// one past the largest position of r consumed, so the senders may reuse those slots. B <= Tn - chunk + 1 keeps
// the sender able to fill everything one batch needs (it can always run Tn - chunk + 1 slots ahead of the head).
// This replaces DeepEP's send_head rewrite: heads advance per batch instead of per warp.
//
// Every wait times out (DevCtx::timeout_ns): the rank's abort flag is raised and all blocks return.
#include "ep4j_internal.h"
#include "intranode_common.cuh"

namespace ep4j {
namespace intra {
namespace {

constexpr int kMaxWarps = kMaxThreads / 32;

struct CombineArgs {
    const uint16_t* x;        // [rows, H] BF16
    const float* w;           // [rows, K] or null
    const uint16_t* bias0;    // [T, H] or null
    const uint16_t* bias1;    // [T, H] or null
    const int* rpm;           // [R, R] rank prefix matrix of the dispatch
    const int* rcpm;          // [R, C] receiver-side channel starts of the dispatch
    const int* send_head;     // [T, R]
    uint16_t* out;            // [T, H]
    float* out_w;             // [T, K] or null
    int H;
    int K;                    // weight columns (0 without weights)
    int T;
    int C;
    int Tn;
    int chunk;
    int batch;
    CombineLayout L;
};

struct SendState {
    int bad;
};

template <bool kSys>
__device__ void run_sender(const DevCtx& ctx, const CombineArgs& a, int c, int d, int wg, int G, SendState* st) {
    const int lane = static_cast<int>(threadIdx.x) & 31;
    const int R = ctx.num_ranks;
    const int me = ctx.rank;
    char* dst = ctx.peer_nvl[d];
    const long long ring = static_cast<long long>(c) * R + me;
    int* tail_p = reinterpret_cast<int*>(dst + a.L.tail) + ring;
    const int* head_p = reinterpret_cast<const int*>(dst + a.L.head) + ring;
    const int off = d > 0 ? a.rpm[(d - 1) * R + me] : 0;
    const int beg = a.rcpm[d * a.C + c];
    const int fin = c + 1 < a.C ? a.rcpm[d * a.C + c + 1] : a.rpm[d * R + me] - off;
    const int cnt = fin - beg;
    const long long base = static_cast<long long>(off) + beg;
    const long long row_bytes = 2LL * a.H;
    const int n16 = a.H / 8;

    int sent = 0;
    int cached_head = 0;
    while (sent < cnt) {
        const int n = min(a.chunk, cnt - sent);
        if (wg == 0 && lane == 0) {
            int bad = 0;
            Waiter w;
            while (a.Tn - (sent - cached_head) < n) {
                cached_head = ld_acquire<kSys>(head_p);
                if (a.Tn - (sent - cached_head) >= n) break;
                if (w.poll(ctx, d, c, kPhaseCombineSend)) {
                    bad = 1;
                    break;
                }
            }
            st->bad = bad;
        }
        group_sync(d, G);
        if (st->bad) break;
        for (int i = wg; i < n; i += G) {
            const long long slot = ring * a.Tn + (sent + i) % a.Tn;
            const long long row = base + sent + i;
            warp_copy16<true>(reinterpret_cast<int4*>(dst + a.L.data + slot * row_bytes),
                              reinterpret_cast<const int4*>(a.x + row * a.H), n16, lane);
            if (lane < a.K) {
                reinterpret_cast<float*>(dst + a.L.weight)[slot * a.K + lane] = __ldg(a.w + row * a.K + lane);
            }
        }
        group_sync(d, G);
        sent += n;
        if (wg == 0 && lane == 0) st_release<kSys>(tail_p, sent);
    }
}

__device__ __forceinline__ void add8(float* acc, const int4& v) {
    const uint32_t u[4] = {static_cast<uint32_t>(v.x), static_cast<uint32_t>(v.y), static_cast<uint32_t>(v.z),
                           static_cast<uint32_t>(v.w)};
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        acc[2 * j] += bf16_lo(u[j]);
        acc[2 * j + 1] += bf16_hi(u[j]);
    }
}

__device__ __forceinline__ int4 pack8(const float* acc) {
    return make_int4(static_cast<int>(pack_bf16(acc[0], acc[1])), static_cast<int>(pack_bf16(acc[2], acc[3])),
                     static_cast<int>(pack_bf16(acc[4], acc[5])), static_cast<int>(pack_bf16(acc[6], acc[7])));
}

// out[t] for one token: element block i (8 BF16) of every source, in rank order, after the biases.
__device__ __forceinline__ void reduce_token(const CombineArgs& a, int t, const int4* const* src, int n_src,
                                             int lane) {
    const int n16 = a.H / 8;
    const long long off = static_cast<long long>(t) * a.H;
    const int4* b0 = a.bias0 == nullptr ? nullptr : reinterpret_cast<const int4*>(a.bias0 + off);
    const int4* b1 = a.bias1 == nullptr ? nullptr : reinterpret_cast<const int4*>(a.bias1 + off);
    int4* o = reinterpret_cast<int4*>(a.out + off);
    for (int i = lane; i < n16; i += 64) {
        const bool two = i + 32 < n16;
        float acc0[8];
        float acc1[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            acc0[j] = 0.0f;
            acc1[j] = 0.0f;
        }
        if (b0 != nullptr) {
            add8(acc0, ld_input(b0 + i));
            if (two) add8(acc1, ld_input(b0 + i + 32));
        }
        if (b1 != nullptr) {
            add8(acc0, ld_input(b1 + i));
            if (two) add8(acc1, ld_input(b1 + i + 32));
        }
        const int4 zero = make_int4(0, 0, 0, 0);
        int4 c0 = n_src > 0 ? ld_ring(src[0] + i) : zero;
        int4 c1 = n_src > 0 && two ? ld_ring(src[0] + i + 32) : zero;
        for (int j = 0; j < n_src; ++j) {
            int4 n0 = zero;
            int4 n1 = zero;
            if (j + 1 < n_src) {
                n0 = ld_ring(src[j + 1] + i);
                if (two) n1 = ld_ring(src[j + 1] + i + 32);
            }
            add8(acc0, c0);
            if (two) add8(acc1, c1);
            c0 = n0;
            c1 = n1;
        }
        st_out(o + i, pack8(acc0));
        if (two) st_out(o + i + 32, pack8(acc1));
    }
}

template <bool kSys>
__device__ void run_receiver(const DevCtx& ctx, const CombineArgs& a, int c) {
    __shared__ const int4* s_src[kMaxWarps][kMaxRanks];   // per warp: ring slot of each source, rank order
    __shared__ int s_slot[kMaxWarps][kMaxRanks];          // per warp: (ring, slot) index of each source
    __shared__ int s_last[2][kMaxRanks];                  // per batch parity: largest position consumed per rank
    __shared__ int s_bad;
    const int lane = static_cast<int>(threadIdx.x) & 31;
    const int warp = static_cast<int>(threadIdx.x) >> 5;
    const int nwarps = static_cast<int>(blockDim.x) >> 5;
    const int R = ctx.num_ranks;
    const int tid = static_cast<int>(threadIdx.x);
    char* buf = ctx.nvl;
    const long long row_bytes = 2LL * a.H;
    if (tid < 2 * kMaxRanks) s_last[tid / kMaxRanks][tid % kMaxRanks] = -1;
    if (tid == 0) s_bad = 0;
    __syncthreads();

    const int tstart = channel_start(a.T, a.C, c);
    const int tend = channel_end(a.T, a.C, c);
    const int* tail_p = reinterpret_cast<const int*>(buf + a.L.tail) + static_cast<long long>(c) * R + lane;
    int* head_p = reinterpret_cast<int*>(buf + a.L.head) + static_cast<long long>(c) * R + tid;
    int cached_tail = 0;  // lane r: last tail seen of ring (c, r)
    int released = 0;     // thread r < R: head released for ring (c, r)
    bool bad = false;
    int parity = 0;
    for (int t0 = tstart; t0 < tend; t0 += a.batch, parity ^= 1) {
        const int t1 = min(t0 + a.batch, tend);
        for (int t = t0 + warp; t < t1 && !bad; t += nwarps) {
            const int h = lane < R ? __ldg(a.send_head + static_cast<long long>(t) * R + lane) : -1;
            if (h >= 0) {
                Waiter w;
                while (cached_tail <= h) {
                    cached_tail = ld_acquire<kSys>(tail_p);
                    if (cached_tail > h) break;
                    if (w.poll(ctx, lane, c, kPhaseCombineRecv)) {
                        bad = true;
                        break;
                    }
                }
                atomicMax(&s_last[parity][lane], h);
            }
            bad = __any_sync(0xffffffffu, bad);
            if (bad) break;
            const unsigned mask = __ballot_sync(0xffffffffu, h >= 0);
            const int n_src = __popc(mask);
            if (h >= 0) {
                const int j = __popc(mask & ((1u << lane) - 1u));
                const int slot = (c * R + lane) * a.Tn + h % a.Tn;
                s_slot[warp][j] = slot;
                s_src[warp][j] = reinterpret_cast<const int4*>(buf + a.L.data + slot * row_bytes);
            }
            __syncwarp();
            reduce_token(a, t, s_src[warp], n_src, lane);
            if (a.out_w != nullptr && lane < a.K) {
                float acc = 0.0f;
                const float* wr = reinterpret_cast<const float*>(buf + a.L.weight);
                for (int j = 0; j < n_src; ++j) {
                    acc += ld_ring(wr + static_cast<long long>(s_slot[warp][j]) * a.K + lane);
                }
                a.out_w[static_cast<long long>(t) * a.K + lane] = acc;
            }
            __syncwarp();
        }
        if (bad && lane == 0) s_bad = 1;
        __syncthreads();
        if (s_bad) break;
        if (tid < R) {
            const int last = s_last[parity][tid];
            if (last + 1 > released) {
                released = last + 1;
                st_release<kSys>(head_p, released);
            }
        }
    }
}

template <bool kSys>
__global__ void __launch_bounds__(kMaxThreads)
combine_kernel(DevCtx ctx, CombineArgs a) {
    __shared__ SendState s_state[kMaxRanks];
    if (aborted(ctx)) return;
    const int R = ctx.num_ranks;
    const int c = static_cast<int>(blockIdx.x) >> 1;
    if ((blockIdx.x & 1) != 0) {
        run_receiver<kSys>(ctx, a, c);
        return;
    }
    const int warp = static_cast<int>(threadIdx.x) >> 5;
    const int nwarps = static_cast<int>(blockDim.x) >> 5;
    int G = nwarps / R;
    if (G > 1 && R > 15) G = 1;
    const int group = warp / G;
    if (group < R) run_sender<kSys>(ctx, a, c, group, warp % G, G, s_state + group);
}

}  // namespace

int load_combine_kernels() {
    cudaFuncAttributes attr;
    EP4J_CUDA_TRY(cudaFuncGetAttributes(&attr, combine_kernel<false>), "cudaFuncGetAttributes(combine_kernel)");
    EP4J_CUDA_TRY(cudaFuncGetAttributes(&attr, combine_kernel<true>), "cudaFuncGetAttributes(combine_kernel)");
    return EP4J_OK;
}

int combine_blocks_per_sm(int threads, int* out) {
    EP4J_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(out, combine_kernel<false>, threads, 0),
                  "cudaOccupancyMaxActiveBlocksPerMultiprocessor(combine_kernel, %d threads)", threads);
    return EP4J_OK;
}

}  // namespace intra
}  // namespace ep4j

using ep4j::fail;

extern "C" int ep4j_intra_block_threads(int num_ranks);

extern "C" int ep4j_intra_combine(int64_t ctx, int64_t x, int64_t topk_weights, int topk, int hidden,
                                  int64_t bias0, int64_t bias1, int64_t rank_prefix, int64_t recv_channel_prefix,
                                  int64_t send_head, int num_tokens, int num_channels, int nvl_recv_tokens,
                                  int nvl_chunk_tokens, int64_t out_x, int64_t out_weights) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    const int R = c->dev.num_ranks;
    if (hidden <= 0 || hidden % 8 != 0 || num_tokens < 0 || num_channels < 1 || nvl_recv_tokens < 2
        || nvl_chunk_tokens < 1 || nvl_chunk_tokens >= nvl_recv_tokens || topk < 0 || topk > 32) {
        // (weight pointers may be 0 with K > 0: empty tensors of ranks that received or own no token)
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_combine",
                    "ep4j_intra_combine: bad arguments H=%d T=%d C=%d Tn=%d chunk=%d K=%d", hidden, num_tokens,
                    num_channels, nvl_recv_tokens, nvl_chunk_tokens, topk);
    }
    CombineArgs a;
    a.L = combine_layout(R, num_channels, nvl_recv_tokens, hidden, topk);
    if (a.L.total > c->nvl_bytes) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_combine",
                    "ep4j_intra_combine: the call needs %lld bytes of NVL buffer but rank %d has %lld", a.L.total,
                    c->dev.rank, c->nvl_bytes);
    }
    const int threads = ep4j_intra_block_threads(R);
    a.x = ep4j::as_dptr<const uint16_t>(x);
    a.w = ep4j::as_dptr<const float>(topk_weights);
    a.bias0 = ep4j::as_dptr<const uint16_t>(bias0);
    a.bias1 = ep4j::as_dptr<const uint16_t>(bias1);
    a.rpm = ep4j::as_dptr<const int>(rank_prefix);
    a.rcpm = ep4j::as_dptr<const int>(recv_channel_prefix);
    a.send_head = ep4j::as_dptr<const int>(send_head);
    a.out = ep4j::as_dptr<uint16_t>(out_x);
    a.out_w = topk > 0 ? ep4j::as_dptr<float>(out_weights) : nullptr;
    a.H = hidden;
    a.K = topk;
    a.T = num_tokens;
    a.C = num_channels;
    a.Tn = nvl_recv_tokens;
    a.chunk = nvl_chunk_tokens;
    // batch: at most Tn - chunk + 1 tokens (see the file comment), about half of that for overlap
    const int limit = nvl_recv_tokens - nvl_chunk_tokens + 1;
    const int half = limit / 2;
    const int want = half > threads / 32 ? half : threads / 32;
    a.batch = want < limit ? want : limit;
    if (c->sys) {
        combine_kernel<true><<<2 * num_channels, threads, 0, c->stream>>>(c->dev, a);
    } else {
        combine_kernel<false><<<2 * num_channels, threads, 0, c->stream>>>(c->dev, a);
    }
    EP4J_CUDA_TRY(cudaGetLastError(), "combine_kernel<<<%d, %d>>> (rank %d, R=%d, T=%d, H=%d)", 2 * num_channels,
                  threads, c->dev.rank, R, num_tokens, hidden);
    return EP4J_OK;
}
