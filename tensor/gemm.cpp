#include "tensor/gemm.h"

#include <cblas.h>

#include "tensor/check.h"

namespace mp {

namespace {

// Shared argument validation: a bad leading dimension would make BLAS read out of bounds.
void check_gemm_args(const char* who, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                     int64_t lda, int64_t ldb, int64_t ldc) {
  MP_CHECK(M >= 0 && N >= 0 && K >= 0,
           who << ": negative size M=" << M << " N=" << N << " K=" << K);
  const int64_t a_cols = ta ? M : K, b_cols = tb ? K : N;
  MP_CHECK(lda >= (a_cols > 1 ? a_cols : 1) && ldb >= (b_cols > 1 ? b_cols : 1) &&
               ldc >= (N > 1 ? N : 1),
           who << ": leading dimensions too small (lda=" << lda << " ldb=" << ldb << " ldc=" << ldc
               << " for M=" << M << " N=" << N << " K=" << K << ")");
  MP_CHECK(M < (int64_t(1) << 31) && N < (int64_t(1) << 31) && K < (int64_t(1) << 31) &&
               lda < (int64_t(1) << 31) && ldb < (int64_t(1) << 31) && ldc < (int64_t(1) << 31),
           who << ": sizes exceed the 32-bit BLAS interface");
}

template <typename T>
void gemm_ref_impl(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const T* A,
                   int64_t lda, const T* B, int64_t ldb, double beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const double a = ta ? A[k * lda + i] : A[i * lda + k];
        const double b = tb ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      // beta == 0 means C is not read (BLAS convention: C may hold NaN garbage).
      const double c = beta == 0.0 ? 0.0 : beta * static_cast<double>(C[i * ldc + j]);
      C[i * ldc + j] = static_cast<T>(alpha * acc + c);
    }
  }
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_gemm_args("sgemm", trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
              static_cast<int>(K), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta,
              C, static_cast<int>(ldc));
}

void sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc) {
  check_gemm_args("sgemm_ref", trans_a, trans_b, M, N, K, lda, ldb, ldc);
  gemm_ref_impl<float>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
           int64_t ldc) {
  check_gemm_args("dgemm", trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
              static_cast<int>(K), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta,
              C, static_cast<int>(ldc));
}

void dgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
               const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
               int64_t ldc) {
  check_gemm_args("dgemm_ref", trans_a, trans_b, M, N, K, lda, ldb, ldc);
  gemm_ref_impl<double>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace mp
