#pragma once
// Dense matrix multiply: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major, where
// op(X) = X^T when trans_x. lda/ldb/ldc are row strides of the matrices as stored (A is stored
// [M,K] if !trans_a, [K,M] if trans_a). The fast version is OpenBLAS (cblas, RowMajor); the
// _ref twin is a triple loop accumulating in double, the test oracle.
#include <cstdint>

namespace mp {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc);
void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
           int64_t ldc);
void dgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
               const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
               int64_t ldc);

}  // namespace mp
