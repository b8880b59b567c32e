// layout.cu: the dispatch-layout kernel (shared/spec/semantics.md section 3, ep-api DispatchLayout.compute).
//
// From one rank's topk_idx [T, K] (int64 or int32, row-major) it computes, for E experts on R ranks
// (E_loc = E / R experts per rank, expert e on rank e / E_loc) grouped into nodes of G ranks (rank r on node r / G):
//   num_tokens_per_expert[e] = number of (t, k) entries equal to e (a duplicate in one row counts twice);
//   is_token_in_rank[t][r]   = 1 iff some entry of row t is an expert of rank r, else 0;
//   num_tokens_per_rank[r]   = number of rows with at least one expert on rank r (once per row);
//   num_tokens_per_node[n]   = number of rows with at least one expert on a rank of node n (once per row).
// Entries outside [0, E) (-1 = no selection) are ignored. Any R, E, G and K; T may be 0.
//
// Determinism: the outputs are integer counts and 0/1 flags, so the order in which threads add to them (shared or
// global atomics) cannot change the result: every launch gives the same bytes as the host reference.
#include "ep4j_internal.h"

namespace {

constexpr int kThreads = 256;
constexpr int kMaxBlocks = 1024;
constexpr long long kMaxSharedHistogramBytes = 48 * 1024;

// One thread per token (grid-stride). kSharedHist: the E + R + N counters are first accumulated in a per-block
// shared-memory histogram and added to global memory once per block; otherwise threads add to global directly
// (used when the histogram does not fit in 48 KiB of shared memory).
template <typename Idx, bool kSharedHist>
__global__ void __launch_bounds__(kThreads)
layout_kernel(const Idx* __restrict__ topk_idx, long long num_tokens, int topk, int num_experts, int num_ranks,
              int gpus_per_node, int num_nodes, int* __restrict__ per_rank, int* __restrict__ per_node,
              int* __restrict__ per_expert, uint8_t* __restrict__ in_rank) {
    extern __shared__ int hist[];  // [E] experts, then [R] ranks, then [N] nodes
    const int experts_per_rank = num_experts / num_ranks;
    const int bins = num_experts + num_ranks + num_nodes;
    int* expert_cnt = per_expert;
    int* rank_cnt = per_rank;
    int* node_cnt = per_node;
    if (kSharedHist) {
        for (int i = threadIdx.x; i < bins; i += blockDim.x) hist[i] = 0;
        __syncthreads();
        expert_cnt = hist;
        rank_cnt = hist + num_experts;
        node_cnt = hist + num_experts + num_ranks;
    }

    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long t = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; t < num_tokens; t += stride) {
        const Idx* row = topk_idx + t * topk;
        for (int k = 0; k < topk; ++k) {
            const long long e = static_cast<long long>(row[k]);
            if (e < 0 || e >= num_experts) continue;
            const int rank = static_cast<int>(e) / experts_per_rank;
            const int node = rank / gpus_per_node;
            atomicAdd(expert_cnt + e, 1);
            // Count the rank (and the node) only at the row's first entry that reaches it.
            bool first_rank = true;
            bool first_node = true;
            for (int j = 0; j < k && (first_rank || first_node); ++j) {
                const long long f = static_cast<long long>(row[j]);
                if (f < 0 || f >= num_experts) continue;
                const int r2 = static_cast<int>(f) / experts_per_rank;
                first_rank = first_rank && r2 != rank;
                first_node = first_node && r2 / gpus_per_node != node;
            }
            if (first_rank) {
                atomicAdd(rank_cnt + rank, 1);
                in_rank[t * num_ranks + rank] = 1;
            }
            if (first_node && node_cnt != nullptr) atomicAdd(node_cnt + node, 1);
        }
    }

    if (kSharedHist) {
        __syncthreads();
        for (int i = threadIdx.x; i < bins; i += blockDim.x) {
            const int v = hist[i];
            if (v == 0) continue;
            if (i < num_experts) {
                atomicAdd(per_expert + i, v);
            } else if (i < num_experts + num_ranks) {
                atomicAdd(per_rank + (i - num_experts), v);
            } else if (per_node != nullptr) {
                atomicAdd(per_node + (i - num_experts - num_ranks), v);
            }
        }
    }
}

template <typename Idx>
cudaError_t launch_layout(const Idx* topk_idx, long long num_tokens, int topk, int num_experts, int num_ranks,
                          int gpus_per_node, int* per_rank, int* per_node, int* per_expert, uint8_t* in_rank,
                          cudaStream_t stream) {
    const int num_nodes = num_ranks / gpus_per_node;
    const long long want = (num_tokens + kThreads - 1) / kThreads;
    const int blocks = static_cast<int>(want < kMaxBlocks ? want : kMaxBlocks);
    const long long shared = 4LL * (static_cast<long long>(num_experts) + num_ranks + num_nodes);
    if (shared <= kMaxSharedHistogramBytes) {
        layout_kernel<Idx, true><<<blocks, kThreads, static_cast<size_t>(shared), stream>>>(
            topk_idx, num_tokens, topk, num_experts, num_ranks, gpus_per_node, num_nodes, per_rank, per_node,
            per_expert, in_rank);
    } else {
        layout_kernel<Idx, false><<<blocks, kThreads, 0, stream>>>(
            topk_idx, num_tokens, topk, num_experts, num_ranks, gpus_per_node, num_nodes, per_rank, per_node,
            per_expert, in_rank);
    }
    return cudaGetLastError();
}

}  // namespace

extern "C" int ep4j_layout(int64_t topk_idx, int idx_bytes, int64_t num_tokens, int topk, int num_experts,
                           int num_ranks, int gpus_per_node, int64_t num_tokens_per_rank,
                           int64_t num_tokens_per_node, int64_t num_tokens_per_expert, int64_t is_token_in_rank,
                           void* stream) {
    using ep4j::fail;
    if (idx_bytes != 4 && idx_bytes != 8) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_layout",
                    "ep4j_layout: idx_bytes=%d must be 8 (int64 topk_idx) or 4 (int32)", idx_bytes);
    }
    if (num_tokens < 0 || topk < 0 || num_experts < 1 || num_ranks < 1 || gpus_per_node < 1) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_layout",
                    "ep4j_layout: need num_tokens=%lld >= 0, topk=%d >= 0, num_experts=%d >= 1, num_ranks=%d >= 1, "
                    "gpus_per_node=%d >= 1", static_cast<long long>(num_tokens), topk, num_experts, num_ranks,
                    gpus_per_node);
    }
    if (num_experts % num_ranks != 0 || num_ranks % gpus_per_node != 0) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_layout",
                    "ep4j_layout: num_experts=%d must be a multiple of num_ranks=%d, which must be a multiple of "
                    "gpus_per_node=%d", num_experts, num_ranks, gpus_per_node);
    }
    if (num_tokens_per_rank == 0 || num_tokens_per_expert == 0 || (num_tokens > 0 && is_token_in_rank == 0)
        || (num_tokens > 0 && topk > 0 && topk_idx == 0)) {
        return fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_layout",
                    "ep4j_layout: a required device pointer is 0 (topk_idx=0x%llx, num_tokens_per_rank=0x%llx, "
                    "num_tokens_per_expert=0x%llx, is_token_in_rank=0x%llx)",
                    static_cast<unsigned long long>(topk_idx), static_cast<unsigned long long>(num_tokens_per_rank),
                    static_cast<unsigned long long>(num_tokens_per_expert),
                    static_cast<unsigned long long>(is_token_in_rank));
    }
    const cudaStream_t s = ep4j::as_stream(stream);
    const int num_nodes = num_ranks / gpus_per_node;
    EP4J_CUDA_TRY(cudaMemsetAsync(ep4j::as_dptr<void>(num_tokens_per_rank), 0, 4ULL * num_ranks, s),
                  "cudaMemsetAsync(num_tokens_per_rank, %d ints)", num_ranks);
    EP4J_CUDA_TRY(cudaMemsetAsync(ep4j::as_dptr<void>(num_tokens_per_expert), 0, 4ULL * num_experts, s),
                  "cudaMemsetAsync(num_tokens_per_expert, %d ints)", num_experts);
    if (num_tokens_per_node != 0) {
        EP4J_CUDA_TRY(cudaMemsetAsync(ep4j::as_dptr<void>(num_tokens_per_node), 0, 4ULL * num_nodes, s),
                      "cudaMemsetAsync(num_tokens_per_node, %d ints)", num_nodes);
    }
    if (num_tokens > 0) {
        EP4J_CUDA_TRY(cudaMemsetAsync(ep4j::as_dptr<void>(is_token_in_rank), 0,
                                      static_cast<size_t>(num_tokens) * static_cast<size_t>(num_ranks), s),
                      "cudaMemsetAsync(is_token_in_rank, %lld x %d bytes)", static_cast<long long>(num_tokens),
                      num_ranks);
    }
    if (num_tokens == 0 || topk == 0) return EP4J_OK;

    int* per_rank = ep4j::as_dptr<int>(num_tokens_per_rank);
    int* per_node = ep4j::as_dptr<int>(num_tokens_per_node);
    int* per_expert = ep4j::as_dptr<int>(num_tokens_per_expert);
    uint8_t* in_rank = ep4j::as_dptr<uint8_t>(is_token_in_rank);
    const cudaError_t err = idx_bytes == 8
        ? launch_layout(ep4j::as_dptr<const int64_t>(topk_idx), num_tokens, topk, num_experts, num_ranks,
                        gpus_per_node, per_rank, per_node, per_expert, in_rank, s)
        : launch_layout(ep4j::as_dptr<const int32_t>(topk_idx), num_tokens, topk, num_experts, num_ranks,
                        gpus_per_node, per_rank, per_node, per_expert, in_rank, s);
    if (err != cudaSuccess) {
        return ep4j::fail_cuda(err, "layout_kernel<<<T=%lld, K=%d, E=%d, R=%d, G=%d, int%d>>>",
                               static_cast<long long>(num_tokens), topk, num_experts, num_ranks, gpus_per_node,
                               idx_bytes * 8);
    }
    return EP4J_OK;
}
