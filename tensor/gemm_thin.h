#pragma once
// Thin GEMMs: products with one dimension of at most kThinMax (a training batch of 32), where
// OpenBLAS spends much of its time packing the large operand (a 2048x2048 weight is re-packed,
// 16 MB read and 16 MB written, for every 32-row product). These kernels never pack the large
// operand: they stream it once and broadcast its scalars against a small transposed copy of
// the thin operand held in registers. Measured on the study's MLP at batch 32 (one core,
// AVX-512): forward x W^T 95 vs 50 GFLOP/s, weight gradient dY^T x 95 vs 65 GFLOP/s; and on
// another AVX-512 machine (2026-12-07, 2 threads) the input gradient dY W at fc4 320 vs 192.
//
// Each output element is one float accumulation in k order (k = 0, 1, ...), so results do not
// depend on the thread count. sgemm_ref (tensor/gemm.h) is the oracle.
#include <cstdint>
#include <functional>

namespace mp {

constexpr int64_t kThinMax = 64;

// C[M,N] = A[M,K] . B[N,K]^T  (+ C when beta == 1); M <= kThinMax, beta 0 or 1.
// A row stride lda, B row stride ldb, C row stride ldc. The Linear forward x W^T.
void sgemm_thin_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float beta, float* C, int64_t ldc);
// C[M,N] = A[K,M]^T . B[K,N]  (+ C when beta == 1); K <= kThinMax, beta 0 or 1.
// The Linear weight gradient dW [out,in] = dY[B,out]^T . x[B,in].
void sgemm_thin_tn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float beta, float* C, int64_t ldc);

// C[M,N] = A[M,K] . B[K,N]  (+ C when beta == 1); M <= kThinMax, beta 0 or 1.
// The Linear input gradient dX [B,in] = dY[B,out] . W[out,in].
void sgemm_thin_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float beta, float* C, int64_t ldc);

// sgemm_thin_tn (beta 0) without storing C: each block of consecutive rows of C is computed into
// a per-thread buffer and handed to `consume(row0, rows, block)` (block: rows x N, row stride
// N) while it is still in cache, on the thread that computed it; blocks are disjoint and cover
// C once, several threads consuming at once. Every element is computed exactly as
// sgemm_thin_tn computes it. What a fused optimizer step uses instead of writing a weight
// gradient to memory and reading it back (autograd/grad_sink.h).
using RowBlockConsumer = std::function<void(int64_t row0, int64_t rows, const float* block)>;
void sgemm_thin_tn_consume(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                           const float* B, int64_t ldb, const RowBlockConsumer& consume);

// The sgemm of the autograd ops (same contract as mp::sgemm): the thin kernels for the shapes
// where they were measured faster (alpha 1, beta 0 or 1, a thin dimension, AVX-512 available),
// OpenBLAS for everything else.
void sgemm_auto(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc);
// Which path sgemm_auto takes for a shape: "thin_nt", "thin_tn", "thin_nn" or "blas" (for the
// profile).
const char* sgemm_auto_path(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                            float alpha, float beta);

}  // namespace mp
