// Host interface of the own flash-attention kernels (kernel header comments in the .cu files)
// and the unfused baseline's softmax.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/attention/gpu_attention_problem.hpp"

namespace flopmeter {

struct FlashFwdLaunch {
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    void* o = nullptr;
    float* lse = nullptr;
    float* o_part = nullptr;    // [splits][batch][heads][seq_q][head_dim], when splits > 1
    float* lse_part = nullptr;  // [splits][batch][heads][seq_q]
    int splits = 1;
};

// Forward: O and LSE (natural-log log-sum-exp of each row of scale*Q K^T). head_dim 64 or 128.
void launch_flash_fwd_sm80(const GpuAttentionProblem& p, const FlashFwdLaunch& a, cudaStream_t s);

// Forward for Hopper (sm_90a): the same contract with wgmma (head_dim 128 only).
void launch_flash_fwd_sm90(const GpuAttentionProblem& p, const FlashFwdLaunch& a, cudaStream_t s);
bool flash_fwd_sm90_runnable();  // the sm_90a binary is the one loaded

// Merges flash-decoding partials: O = sum_s exp(lse_s - lse) O_s, lse = log sum_s exp(lse_s).
void launch_flash_combine(const GpuAttentionProblem& p, const float* o_part, const float* lse_part,
                          int splits, void* o, float* lse, cudaStream_t s);

struct FlashBwdLaunch {
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    const void* o = nullptr;
    const void* d_o = nullptr;
    const float* lse = nullptr;
    void* dq = nullptr;
    void* dk = nullptr;
    void* dv = nullptr;
    float* dq_accum = nullptr;  // [batch][seq_q][heads][head_dim] fp32 scratch
    float* delta = nullptr;     // [batch][heads][seq_q] fp32 scratch: rowsum(dO * O)
};

// Backward: dQ, dK, dV (three kernels: rowsum(dO*O), the main pass, dQ conversion).
void launch_flash_bwd_sm80(const GpuAttentionProblem& p, const FlashBwdLaunch& a, cudaStream_t s);

// Unfused baseline's softmax over rows of S (fp32, [rows][seq_k], already scaled): P in the
// problem's dtype, causal mask per row (row r is query r % seq_q), LSE per row.
void launch_softmax_rows(const float* s, void* p, float* lse, std::int64_t rows, std::int64_t seq_q,
                         std::int64_t seq_k, bool causal, GpuStorage dtype, cudaStream_t st);

}  // namespace flopmeter
