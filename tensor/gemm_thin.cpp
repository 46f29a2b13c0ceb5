#include "tensor/gemm_thin.h"

#include <cstring>
#include <string_view>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "tensor/check.h"
#include "tensor/gemm.h"
#include "tensor/parallel.h"
#include "tensor/v16.h"

namespace mp {

namespace {

// 16-lane vectors (tensor/v16.h): one zmm register with AVX-512; the compiler splits them on
// narrower machines, where sgemm_auto does not route here, so there they only have to be correct.
using namespace simd;

// A thin product splits its large dimension among threads only from this many multiply-adds
// (~20 us of one core): waking a sleeping OpenMP worker costs several microseconds.
constexpr int64_t kThinParallelMin = int64_t(1) << 21;

// The packed thin operand, per calling thread (reused: no allocation in steady state).
float* pack_workspace(int64_t n) {
  thread_local std::vector<float> ws;
  if (static_cast<int64_t>(ws.size()) < n) ws.resize(static_cast<size_t>(n));
  return ws.data();
}

void check_thin(const char* who, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t lda_min,
                int64_t ldb, int64_t ldb_min, float beta, int64_t ldc) {
  MP_CHECK(M >= 0 && N >= 0 && K >= 0,
           who << ": negative size M=" << M << " N=" << N << " K=" << K);
  MP_CHECK(beta == 0.0f || beta == 1.0f, who << ": beta must be 0 or 1, got " << beta);
  MP_CHECK(lda >= lda_min && ldb >= ldb_min && ldc >= (N > 1 ? N : 1),
           who << ": leading dimensions too small (lda=" << lda << " ldb=" << ldb << " ldc=" << ldc
               << " for M=" << M << " N=" << N << " K=" << K << ")");
}

// ---- C = A B^T with M thin ----
// At [K][MV*16]: A transposed, zero past row M. Computes C^T rows j (= columns of C) for NJ rows
// of B: out[j][i] = sum_k B[j,k] At[k][i], the MV vectors of At in registers, B's scalars
// broadcast; B is read once, in row order.
template <int MV, int NJ>
inline void nt_tile(const float* At, const float* B, int64_t ldb, int64_t K, float* out) {
  v16 acc[NJ][MV];
  for (int j = 0; j < NJ; ++j)
    for (int v = 0; v < MV; ++v) acc[j][v] = v16{};
  for (int64_t k = 0; k < K; ++k) {
    v16 a[MV];
    for (int v = 0; v < MV; ++v) a[v] = load16(At + k * MV * kL + v * kL);
    for (int j = 0; j < NJ; ++j) {
      const v16 b = splat(B[j * ldb + k]);
      for (int v = 0; v < MV; ++v) acc[j][v] += a[v] * b;
    }
  }
  for (int j = 0; j < NJ; ++j)
    for (int v = 0; v < MV; ++v) store16(out + (j * MV + v) * kL, acc[j][v]);
}

template <int MV, int NJ>
void nt_run(int64_t M, int64_t N, int64_t K, const float* At, const float* B, int64_t ldb,
            float beta, float* C, int64_t ldc) {
  constexpr int64_t W = MV * kL;
  const int64_t blocks = (N + NJ - 1) / NJ;
  parallel_for(
      blocks, M * K * NJ,
      [&](int64_t b0, int64_t b1) {
        alignas(64) float tmp[NJ * W];
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t j0 = b * NJ, nj = N - j0 < NJ ? N - j0 : NJ;
          if (nj == NJ)
            nt_tile<MV, NJ>(At, B + j0 * ldb, ldb, K, tmp);
          else
            for (int64_t jj = 0; jj < nj; ++jj)
              nt_tile<MV, 1>(At, B + (j0 + jj) * ldb, ldb, K, tmp + jj * W);
          for (int64_t i = 0; i < M; ++i) {
            float* c = C + i * ldc + j0;
            for (int64_t jj = 0; jj < nj; ++jj)
              c[jj] = beta == 0.0f ? tmp[jj * W + i] : c[jj] + tmp[jj * W + i];
          }
        }
      },
      1, kThinParallelMin);
}

// ---- C = A^T B with K thin ----
// C rows [0, NJ) x columns [0, CV*16): acc[j][v] += A[k, j] * B[k, v-th vector], B's K rows
// (small: K x N) stay in cache while A's scalars are broadcast. `stream` writes C with
// non-temporal stores (a large output that is not read again soon).
template <int NJ, int CV>
inline void tn_tile(const float* A, int64_t lda, const float* B, int64_t ldb, int64_t K, float* C,
                    int64_t ldc, float beta, bool stream) {
  v16 acc[NJ][CV];
  for (int j = 0; j < NJ; ++j)
    for (int v = 0; v < CV; ++v) acc[j][v] = beta == 0.0f ? v16{} : load16(C + j * ldc + v * kL);
  for (int64_t k = 0; k < K; ++k) {
    v16 x[CV];
    for (int v = 0; v < CV; ++v) x[v] = load16(B + k * ldb + v * kL);
    for (int j = 0; j < NJ; ++j) {
      const v16 g = splat(A[k * lda + j]);
      for (int v = 0; v < CV; ++v) acc[j][v] += g * x[v];
    }
  }
#if defined(__AVX512F__)
  if (stream) {
    for (int j = 0; j < NJ; ++j)
      for (int v = 0; v < CV; ++v) _mm512_stream_ps(C + j * ldc + v * kL, (__m512)acc[j][v]);
    return;
  }
#endif
  (void)stream;
  for (int j = 0; j < NJ; ++j)
    for (int v = 0; v < CV; ++v) store16(C + j * ldc + v * kL, acc[j][v]);
}

// Columns [c0, N) narrower than one vector: plain accumulation in k order, from C when beta is
// 1 as the tiles do (so a product split into k blocks sums each element in one k order).
void tn_tail(const float* A, int64_t lda, const float* B, int64_t ldb, int64_t K, float* C,
             int64_t ldc, float beta, int64_t rows, int64_t c0, int64_t N) {
  for (int64_t j = 0; j < rows; ++j)
    for (int64_t c = c0; c < N; ++c) {
      float s = beta == 0.0f ? 0.0f : C[j * ldc + c];
      for (int64_t k = 0; k < K; ++k) s += A[k * lda + j] * B[k * ldb + c];
      C[j * ldc + c] = s;
    }
}

template <int NJ, int CV = 4>
void tn_rows(const float* A, int64_t lda, const float* B, int64_t ldb, int64_t K, float* C,
             int64_t ldc, float beta, bool stream, int64_t N) {
  int64_t c = 0;
  for (; c + CV * kL <= N; c += CV * kL)
    tn_tile<NJ, CV>(A, lda, B + c, ldb, K, C + c, ldc, beta, stream);
  for (; c + kL <= N; c += kL) tn_tile<NJ, 1>(A, lda, B + c, ldb, K, C + c, ldc, beta, stream);
  if (c < N) tn_tail(A, lda, B, ldb, K, C, ldc, beta, NJ, c, N);
}

void tn_run(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
            int64_t ldb, float beta, float* C, int64_t ldc) {
  constexpr int NJ = 6;
  // Non-temporal stores for a fresh output larger than L2, on 64-byte aligned rows.
  const bool stream = beta == 0.0f && M * N * int64_t(sizeof(float)) >= (int64_t(1) << 21) &&
                      reinterpret_cast<uintptr_t>(C) % 64 == 0 && ldc % kL == 0;
  const int64_t blocks = (M + NJ - 1) / NJ;
  parallel_for(
      blocks, N * K * NJ,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t j0 = b * NJ;
          if (j0 + NJ <= M) {
            tn_rows<NJ>(A + j0, lda, B, ldb, K, C + j0 * ldc, ldc, beta, stream, N);
          } else {
            for (int64_t j = j0; j < M; ++j)
              tn_rows<1>(A + j, lda, B, ldb, K, C + j * ldc, ldc, beta, stream, N);
          }
        }
#if defined(__AVX512F__)
        if (stream) _mm_sfence();  // order the streamed stores before the region's barrier
#endif
      },
      1, kThinParallelMin);
}

// tn_run's row blocks into a per-thread buffer, each handed to `consume` right after it is
// computed (sgemm_thin_tn_consume).
void tn_consume_run(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                    int64_t ldb, const RowBlockConsumer& consume) {
  constexpr int NJ = 6;
  const int64_t blocks = (M + NJ - 1) / NJ;
  parallel_for(
      blocks, N * K * NJ,
      [&](int64_t b0, int64_t b1) {
        // 64-byte aligned rows: the tiles' stores are whole vectors.
        thread_local std::vector<float> buf;
        const int64_t ld = (N + kL - 1) / kL * kL;
        if (static_cast<int64_t>(buf.size()) < NJ * ld + kL)
          buf.resize(static_cast<size_t>(NJ * ld + kL));
        float* C = buf.data();
        while (reinterpret_cast<uintptr_t>(C) % 64 != 0) ++C;
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t j0 = b * NJ;
          const int64_t rows = j0 + NJ <= M ? NJ : M - j0;
          if (rows == NJ) {
            tn_rows<NJ>(A + j0, lda, B, ldb, K, C, ld, 0.0f, false, N);
          } else {
            for (int64_t j = 0; j < rows; ++j)
              tn_rows<1>(A + j0 + j, lda, B, ldb, K, C + j * ld, ld, 0.0f, false, N);
          }
          if (ld == N) {
            consume(j0, rows, C);
          } else {
            for (int64_t j = 0; j < rows; ++j) consume(j0 + j, 1, C + j * ld);
          }
        }
      },
      1, kThinParallelMin);
}

// ---- C = A B with M thin ----
// The Linear input gradient dX [B,in] = dY [B,out] . W [out,in]: K and N large, M the batch.
// With A packed transposed (At[K][M]) this is the tn tile again: C rows j against B's rows k,
// At's scalars broadcast, B's vectors loaded. Each thread takes a range of column panels and
// walks K in blocks of kNnKc rows: one k block of its columns of B (64 rows x 1,024 floats at
// 2 threads, 256 KB) is read from memory once and then from L2 by every row block of C. C's rows
// carry the sums from one k block to the next (beta 1 after the first), so every element is
// still one float accumulation in k order, whatever the thread count. NJ = 8 rows by kNnCV = 3
// vectors: 24 accumulators, 3 loads of B and 8 broadcasts per 24 FMAs, and a batch of 32 is four
// whole row blocks. Measured (bench_thin, one core, fc4's 32 x 2048 x 2048): kNnKc 32 / 64 /
// 128 / 256 gave 174 / 176 / 157 / 128 GFLOP/s, OpenBLAS 110.
constexpr int kNnRows = 8, kNnCV = 3;
constexpr int64_t kNnPanel = kNnCV * kL, kNnKc = 64;

void nn_run(int64_t M, int64_t N, int64_t K, const float* At, const float* B, int64_t ldb,
            float beta, float* C, int64_t ldc) {
  const int64_t panels = (N + kNnPanel - 1) / kNnPanel;
  parallel_for(
      panels, M * K * kNnPanel,
      [&](int64_t p0, int64_t p1) {
        for (int64_t k0 = 0; k0 < K; k0 += kNnKc) {
          const int64_t kc = K - k0 < kNnKc ? K - k0 : kNnKc;
          const float b = k0 == 0 ? beta : 1.0f;
          const float* Ak = At + k0 * M;
          const float* Bk = B + k0 * ldb;
          for (int64_t p = p0; p < p1; ++p) {
            const int64_t c0 = p * kNnPanel, w = N - c0 < kNnPanel ? N - c0 : kNnPanel;
            int64_t j = 0;
            for (; j + kNnRows <= M; j += kNnRows)
              tn_rows<kNnRows, kNnCV>(Ak + j, M, Bk + c0, ldb, kc, C + j * ldc + c0, ldc, b, false,
                                      w);
            for (; j < M; ++j)
              tn_rows<1, kNnCV>(Ak + j, M, Bk + c0, ldb, kc, C + j * ldc + c0, ldc, b, false, w);
          }
        }
      },
      1, kThinParallelMin);
}

bool thin_enabled() {
#if defined(__AVX512F__)
  return true;
#else
  return false;  // tiles sized for 32 zmm registers; OpenBLAS is the better choice elsewhere
#endif
}

}  // namespace

void sgemm_thin_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float beta, float* C, int64_t ldc) {
  check_thin("sgemm_thin_nt", M, N, K, lda, K > 1 ? K : 1, ldb, K > 1 ? K : 1, beta, ldc);
  MP_CHECK(M <= kThinMax, "sgemm_thin_nt: M=" << M << " exceeds the thin limit " << kThinMax);
  if (M == 0 || N == 0) return;
  const int64_t MV = (M + kL - 1) / kL, W = MV * kL;
  float* At = pack_workspace(K * W);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t i = 0; i < W; ++i) At[k * W + i] = i < M ? A[i * lda + k] : 0.0f;
  switch (MV) {
    case 1:
      nt_run<1, 12>(M, N, K, At, B, ldb, beta, C, ldc);
      break;
    case 2:
      nt_run<2, 8>(M, N, K, At, B, ldb, beta, C, ldc);
      break;
    case 3:
      nt_run<3, 8>(M, N, K, At, B, ldb, beta, C, ldc);
      break;
    default:
      nt_run<4, 6>(M, N, K, At, B, ldb, beta, C, ldc);
      break;
  }
}

void sgemm_thin_tn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float beta, float* C, int64_t ldc) {
  check_thin("sgemm_thin_tn", M, N, K, lda, M > 1 ? M : 1, ldb, N > 1 ? N : 1, beta, ldc);
  MP_CHECK(K <= kThinMax, "sgemm_thin_tn: K=" << K << " exceeds the thin limit " << kThinMax);
  if (M == 0 || N == 0) return;
  tn_run(M, N, K, A, lda, B, ldb, beta, C, ldc);
}

void sgemm_thin_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float beta, float* C, int64_t ldc) {
  check_thin("sgemm_thin_nn", M, N, K, lda, K > 1 ? K : 1, ldb, N > 1 ? N : 1, beta, ldc);
  MP_CHECK(M <= kThinMax, "sgemm_thin_nn: M=" << M << " exceeds the thin limit " << kThinMax);
  if (M == 0 || N == 0) return;
  if (K == 0) {  // an empty sum: nn_run's k blocks would leave C as it was
    if (beta == 0.0f)
      for (int64_t i = 0; i < M; ++i) std::memset(C + i * ldc, 0, sizeof(float) * N);
    return;
  }
  float* At = pack_workspace(K * M);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t i = 0; i < M; ++i) At[k * M + i] = A[i * lda + k];
  nn_run(M, N, K, At, B, ldb, beta, C, ldc);
}

void sgemm_thin_tn_consume(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                           const float* B, int64_t ldb, const RowBlockConsumer& consume) {
  check_thin("sgemm_thin_tn_consume", M, N, K, lda, M > 1 ? M : 1, ldb, N > 1 ? N : 1, 0.0f, N);
  MP_CHECK(K <= kThinMax,
           "sgemm_thin_tn_consume: K=" << K << " exceeds the thin limit " << kThinMax);
  if (M == 0 || N == 0) return;
  tn_consume_run(M, N, K, A, lda, B, ldb, consume);
}

const char* sgemm_auto_path(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                            float beta) {
  if (!thin_enabled() || alpha != 1.0f || (beta != 0.0f && beta != 1.0f)) return "blas";
  if (!ta && tb && M <= kThinMax && N >= kL && K >= kL) return "thin_nt";
  // Measured (bench/bench_thin): the weight gradient wins when it is written fresh (beta 0, the
  // usual case after a lazy zero_grad) and its rows are whole vectors; accumulating into an
  // existing large C, or a ragged last vector, is no faster than OpenBLAS.
  if (ta && !tb && K <= kThinMax && beta == 0.0f && M >= kL && N >= 4 * kL && N % kL == 0)
    return "thin_tn";
  // The input gradient: faster than OpenBLAS wherever its rows are whole vectors, at least one
  // panel wide, with a K worth a vector of work (bench_thin: 1.26-1.63x on the study's layers;
  // a ragged N such as the CNN's 250 or a K of 10 is slower).
  if (!ta && !tb && M <= kThinMax && N >= kNnPanel && N % kL == 0 && K >= kL) return "thin_nn";
  return "blas";
}

void sgemm_auto(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const std::string_view path = sgemm_auto_path(ta, tb, M, N, K, alpha, beta);
  if (path == "thin_nt")
    sgemm_thin_nt(M, N, K, A, lda, B, ldb, beta, C, ldc);
  else if (path == "thin_tn")
    sgemm_thin_tn(M, N, K, A, lda, B, ldb, beta, C, ldc);
  else if (path == "thin_nn")
    sgemm_thin_nn(M, N, K, A, lda, B, ldb, beta, C, ldc);
  else
    sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace mp
