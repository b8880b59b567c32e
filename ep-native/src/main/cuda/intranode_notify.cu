// intranode_notify.cu: the small single-block kernels that run before every intranode dispatch and combine
// (semantics.md sections 4.2 and 4.7, docs/semantics.md "Normal dispatch"):
//
//   notify_kernel         fresh dispatch: channel prefix matrix, exchange of the R x R token counts and the
//                         per-expert counts, rank prefix matrix (every column), received count and aligned
//                         per-expert counts (host-mapped, for the CPU-sync path), zeroed ring metadata;
//   cached_notify_kernel  cached dispatch: the handle's rank prefix matrix into the buffer, zeroed metadata;
//   combine_notify_kernel combine: zeroed head/tail of the combine rings.
//
// Each ends with a barrier of all ranks after zeroing its own metadata, so no peer writes into this rank's rings
// before they are reset; fresh notify also starts with one, so no peer overwrites the rank prefix matrix that this
// rank's previous dispatch may still read.
#include "ep4j_internal.h"
#include "intranode_common.cuh"

namespace ep4j {
namespace intra {
namespace {

// One block of kNotifyThreads threads; dynamic shared memory R * C ints.
//   out_cpm[d][c] = inclusive prefix over channels of my tokens going to d (channel_prefix_matrix, sender side);
//   out_rpm[s][d] = sum over s' <= s of tokens s' sends to d (rank_prefix_matrix, every column);
//   my buffer's rank prefix region gets the same matrix (the dispatch receivers read column `rank`);
//   rec->recv_count = Nr = out_rpm[R-1][rank]; rec->per_expert[i] = sum_s X[s][i] rounded up to `alignment`;
//   rec->overflow_* when num_worst > 0 and Nr > num_worst; rec->ready = 1 after those.
template <bool kSys>
__global__ void __launch_bounds__(kNotifyThreads)
notify_kernel(DevCtx ctx, const uint8_t* __restrict__ in_rank, const int* __restrict__ per_expert_in, int T, int C,
              int e_loc, int alignment, int num_worst, DispatchLayout L, int* __restrict__ out_cpm,
              int* __restrict__ out_rpm) {
    extern __shared__ int s_cnt[];  // [R][C] tokens per (destination, channel), then inclusive prefixes
    const int R = ctx.num_ranks;
    const int me = ctx.rank;
    const int tid = static_cast<int>(threadIdx.x);
    if (aborted(ctx)) return;

    for (int i = tid; i < R * C; i += blockDim.x) s_cnt[i] = 0;
    __syncthreads();
    const int q = (T + C - 1) / C;
    for (int t = tid; t < T; t += blockDim.x) {
        const int c = t / q;
        const uint8_t* row = in_rank + static_cast<long long>(t) * R;
        for (int d = 0; d < R; ++d) {
            if (row[d]) atomicAdd(s_cnt + d * C + c, 1);
        }
    }
    __syncthreads();
    if (tid < R) {
        int run = 0;
        for (int c = 0; c < C; ++c) {
            run += s_cnt[tid * C + c];
            s_cnt[tid * C + c] = run;
            out_cpm[tid * C + c] = run;
        }
    }
    // zero my ring metadata (start, end, head, tail: contiguous) before any peer may write it
    int* meta = reinterpret_cast<int*>(ctx.nvl + L.start);
    for (int i = tid; i < 4 * C * R; i += blockDim.x) meta[i] = 0;

    if (!barrier_block<kSys>(ctx, kPhaseNotifyBarrier)) return;

    // my row of the count matrix into every rank's buffer, my per-expert counts into every rank's control block
    for (int i = tid; i < R * R; i += blockDim.x) {
        const int p = i / R;
        const int d = i % R;
        int* m = reinterpret_cast<int*>(ctx.peer_nvl[p] + L.rank_prefix);
        m[me * R + d] = s_cnt[d * C + C - 1];
    }
    for (int i = tid; i < R * e_loc; i += blockDim.x) {
        const int p = i / e_loc;
        const int e = i % e_loc;
        ctx.peer_ctrl[p][kExpertOffset + me * e_loc + e] = per_expert_in[p * e_loc + e];
    }

    if (!barrier_block<kSys>(ctx, kPhaseNotifyBarrier)) return;

    int* m = reinterpret_cast<int*>(ctx.nvl + L.rank_prefix);
    if (tid < R) {
        int run = 0;
        for (int s = 0; s < R; ++s) {
            run += m[s * R + tid];
            m[s * R + tid] = run;
            out_rpm[s * R + tid] = run;
        }
    }
    const int* x = ctx.ctrl + kExpertOffset;
    for (int i = tid; i < e_loc; i += blockDim.x) {
        long long sum = 0;
        for (int s = 0; s < R; ++s) sum += x[s * e_loc + i];
        ctx.rec->per_expert[i] = static_cast<int>((sum + alignment - 1) / alignment * alignment);
    }
    __threadfence_system();
    __syncthreads();
    if (tid == 0) {
        const int nr = m[(R - 1) * R + me];
        ctx.rec->recv_count = nr;
        if (num_worst > 0 && nr > num_worst) {
            ctx.rec->overflow_count = nr;
            __threadfence_system();
            ctx.rec->overflow_flag = 1;
        }
        __threadfence_system();
        ctx.rec->ready = 1;
        __threadfence_system();
    }
}

// Cached dispatch: my buffer's rank prefix region = the handle's matrix; zeroed metadata; barrier.
template <bool kSys>
__global__ void __launch_bounds__(kNotifyThreads)
cached_notify_kernel(DevCtx ctx, const int* __restrict__ rpm, int C, DispatchLayout L) {
    const int R = ctx.num_ranks;
    const int tid = static_cast<int>(threadIdx.x);
    if (aborted(ctx)) return;
    int* m = reinterpret_cast<int*>(ctx.nvl + L.rank_prefix);
    for (int i = tid; i < R * R; i += blockDim.x) m[i] = rpm[i];
    int* meta = reinterpret_cast<int*>(ctx.nvl + L.start);
    for (int i = tid; i < 4 * C * R; i += blockDim.x) meta[i] = 0;
    barrier_block<kSys>(ctx, kPhaseCachedNotifyBarrier);
}

// Combine: zeroed head and tail of the combine rings (contiguous); barrier.
template <bool kSys>
__global__ void __launch_bounds__(kNotifyThreads)
combine_notify_kernel(DevCtx ctx, int C, CombineLayout L) {
    const int R = ctx.num_ranks;
    const int tid = static_cast<int>(threadIdx.x);
    if (aborted(ctx)) return;
    int* meta = reinterpret_cast<int*>(ctx.nvl + L.head);
    for (int i = tid; i < 2 * C * R; i += blockDim.x) meta[i] = 0;
    barrier_block<kSys>(ctx, kPhaseCombineBarrier);
}

int check_layout(const Ctx* c, long long total, const char* api) {
    if (total > c->nvl_bytes) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, api,
                    "%s: the call needs %lld bytes of NVL buffer but rank %d has %lld", api, total, c->dev.rank,
                    c->nvl_bytes);
    }
    return EP4J_OK;
}

}  // namespace

// Every kernel template instance, for ep4j_intra_create to load eagerly (lazy loading could otherwise need a
// context-wide synchronisation while peer kernels spin).
int load_notify_kernels() {
    cudaFuncAttributes a;
    const void* fns[] = {
        reinterpret_cast<const void*>(notify_kernel<false>), reinterpret_cast<const void*>(notify_kernel<true>),
        reinterpret_cast<const void*>(cached_notify_kernel<false>),
        reinterpret_cast<const void*>(cached_notify_kernel<true>),
        reinterpret_cast<const void*>(combine_notify_kernel<false>),
        reinterpret_cast<const void*>(combine_notify_kernel<true>),
    };
    for (const void* f : fns) {
        EP4J_CUDA_TRY(cudaFuncGetAttributes(&a, f), "cudaFuncGetAttributes(intranode notify kernels)");
    }
    return EP4J_OK;
}

}  // namespace intra
}  // namespace ep4j

using ep4j::fail;
using ep4j::intra::Ctx;

extern "C" int ep4j_intra_notify(int64_t ctx, int64_t is_token_in_rank, int64_t num_tokens_per_expert,
                                 int num_tokens, int num_experts, int num_channels, int expert_alignment,
                                 int num_worst_tokens, int nvl_recv_tokens, int64_t hidden_bytes, int topk,
                                 int scale_words, int64_t out_channel_prefix, int64_t out_rank_prefix,
                                 int reset_host) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    const int R = c->dev.num_ranks;
    if (num_tokens < 0 || num_channels < 1 || expert_alignment < 1 || num_experts < 1 || num_experts % R != 0
        || num_experts / R > kMaxLocalExperts || nvl_recv_tokens < 1) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_notify",
                    "ep4j_intra_notify: bad arguments T=%d C=%d alignment=%d E=%d R=%d Tn=%d", num_tokens,
                    num_channels, expert_alignment, num_experts, R, nvl_recv_tokens);
    }
    const DispatchLayout L = dispatch_layout(R, num_channels, nvl_recv_tokens, hidden_bytes, topk, scale_words);
    if (check_layout(c, L.total, "ep4j_intra_notify") != EP4J_OK) return EP4J_E_INVALID;
    if (reset_host) {
        c->host->ready = 0;
        c->host->overflow_flag = 0;
        c->host->overflow_count = 0;
    }
    const size_t smem = static_cast<size_t>(R) * num_channels * sizeof(int);
    const uint8_t* in = ep4j::as_dptr<const uint8_t>(is_token_in_rank);
    const int* pe = ep4j::as_dptr<const int>(num_tokens_per_expert);
    int* cpm = ep4j::as_dptr<int>(out_channel_prefix);
    int* rpm = ep4j::as_dptr<int>(out_rank_prefix);
    if (c->sys) {
        notify_kernel<true><<<1, kNotifyThreads, smem, c->stream>>>(c->dev, in, pe, num_tokens, num_channels,
                                                                    num_experts / R, expert_alignment,
                                                                    num_worst_tokens, L, cpm, rpm);
    } else {
        notify_kernel<false><<<1, kNotifyThreads, smem, c->stream>>>(c->dev, in, pe, num_tokens, num_channels,
                                                                     num_experts / R, expert_alignment,
                                                                     num_worst_tokens, L, cpm, rpm);
    }
    EP4J_CUDA_TRY(cudaGetLastError(), "notify_kernel<<<1, %d, %zu>>> (rank %d, R=%d, C=%d, T=%d)", kNotifyThreads,
                  smem, c->dev.rank, R, num_channels, num_tokens);
    return EP4J_OK;
}

extern "C" int ep4j_intra_cached_notify(int64_t ctx, int64_t rank_prefix, int num_channels, int nvl_recv_tokens,
                                        int64_t hidden_bytes, int topk, int scale_words) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    const int R = c->dev.num_ranks;
    if (num_channels < 1 || nvl_recv_tokens < 1) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_cached_notify",
                    "ep4j_intra_cached_notify: bad arguments C=%d Tn=%d", num_channels, nvl_recv_tokens);
    }
    const DispatchLayout L = dispatch_layout(R, num_channels, nvl_recv_tokens, hidden_bytes, topk, scale_words);
    if (check_layout(c, L.total, "ep4j_intra_cached_notify") != EP4J_OK) return EP4J_E_INVALID;
    const int* rpm = ep4j::as_dptr<const int>(rank_prefix);
    if (c->sys) {
        cached_notify_kernel<true><<<1, kNotifyThreads, 0, c->stream>>>(c->dev, rpm, num_channels, L);
    } else {
        cached_notify_kernel<false><<<1, kNotifyThreads, 0, c->stream>>>(c->dev, rpm, num_channels, L);
    }
    EP4J_CUDA_TRY(cudaGetLastError(), "cached_notify_kernel (rank %d)", c->dev.rank);
    return EP4J_OK;
}

extern "C" int ep4j_intra_combine_notify(int64_t ctx, int num_channels, int nvl_recv_tokens, int hidden, int topk) {
    using namespace ep4j::intra;
    Ctx* c = as_ctx(ctx);
    const int R = c->dev.num_ranks;
    if (num_channels < 1 || nvl_recv_tokens < 1 || hidden < 1 || topk < 0) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_intra_combine_notify",
                    "ep4j_intra_combine_notify: bad arguments C=%d Tn=%d H=%d K=%d", num_channels, nvl_recv_tokens,
                    hidden, topk);
    }
    const CombineLayout L = combine_layout(R, num_channels, nvl_recv_tokens, hidden, topk);
    if (check_layout(c, L.total, "ep4j_intra_combine_notify") != EP4J_OK) return EP4J_E_INVALID;
    if (c->sys) {
        combine_notify_kernel<true><<<1, kNotifyThreads, 0, c->stream>>>(c->dev, num_channels, L);
    } else {
        combine_notify_kernel<false><<<1, kNotifyThreads, 0, c->stream>>>(c->dev, num_channels, L);
    }
    EP4J_CUDA_TRY(cudaGetLastError(), "combine_notify_kernel (rank %d)", c->dev.rank);
    return EP4J_OK;
}
