#include "probes/projection.h"

#include <cblas.h>

#include <omp.h>

#include <algorithm>
#include <exception>

#include "tensor/check.h"
#include "tensor/threads.h"

namespace mp::probes {

namespace {
// Rows per block: keep the double copy of the block plus its projections near 64 MB, big
// enough that the dgemm runs at full speed, small enough to stay friendly to memory.
constexpr int64_t kBlockDoubles = int64_t{1} << 23;
}  // namespace

namespace {
// One block: Xb <- rows [r0, r0 + nb) as double, sq <- their squared norms, P <- Xb W^T.
void project_block(const float* X, int64_t r0, int64_t nb, int64_t d, const double* W, int64_t R,
                   double* Xb, double* P, double* sq) {
  for (int64_t i = 0; i < nb; ++i) {
    const float* src = X + (r0 + i) * d;
    double* dst = Xb + i * d;
    double s = 0;
    for (int64_t j = 0; j < d; ++j) {
      dst[j] = src[j];
      s += dst[j] * dst[j];
    }
    sq[i] = s;
  }
  if (R > 0) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb), static_cast<int>(R),
                static_cast<int>(d), 1.0, Xb, static_cast<int>(d), W, static_cast<int>(d), 0.0, P,
                static_cast<int>(R));
  }
}
}  // namespace

// X is (N, d) float32, W is (R, d) double -> fn(blocks of P = X W^T (nb, R), ||x||^2 (nb)).
void for_each_projection_block(const float* X, int64_t N, int64_t d, const double* W, int64_t R,
                               const ProjectionBlockFn& fn, int64_t block_rows) {
  MP_CHECK(N >= 0 && d > 0 && R >= 0,
           "probes/projection: bad shapes N=" << N << " d=" << d << " R=" << R);
  MP_CHECK(X != nullptr || N == 0, "probes/projection: X is null with N=" << N);
  if (N == 0) return;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  // Big enough for a full-speed dgemm, small enough that every thread gets blocks.
  int64_t block = std::max<int64_t>(64, kBlockDoubles / (d + R));
  if (threads > 1) block = std::min(block, std::max<int64_t>(64, (N + threads - 1) / threads));
  block = std::min(N, block_rows > 0 ? block_rows : block);
  const int64_t nblocks = (N + block - 1) / block;
  // Blocks run side by side, each with single-threaded BLAS (OpenBLAS's OpenMP build runs
  // serially inside a parallel region): no barrier per dgemm, which on this shared 2-core
  // machine is what makes threaded BLAS collapse when another process holds a core. A single
  // block (small N) uses threaded BLAS instead. Each row's result does not depend on the split.
  const bool par = threads > 1 && nblocks > 1 &&
                   static_cast<double>(N) * static_cast<double>(d) * static_cast<double>(R + 1) >
                       static_cast<double>(kParallelMinWork);
  const int64_t bufs = par ? threads : 1;
  std::vector<double> Xb(static_cast<size_t>(bufs * block * d));
  std::vector<double> P(static_cast<size_t>(bufs * block * std::max<int64_t>(R, 1)));
  std::vector<double> sq(static_cast<size_t>(bufs * block));
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (par)
  for (int64_t b = 0; b < nblocks; ++b) {
    const int64_t t = par ? omp_get_thread_num() : 0;
    const int64_t r0 = b * block, nb = std::min(block, N - r0);
    double* xb = Xb.data() + t * block * d;
    double* p = P.data() + t * block * std::max<int64_t>(R, 1);
    double* s = sq.data() + t * block;
    try {
      project_block(X, r0, nb, d, W, R, xb, p, s);
      fn(r0, nb, p, s);
    } catch (...) {
#pragma omp critical(mp_probes_projection_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

std::vector<double> project_reference(const float* X, int64_t N, int64_t d, const double* W,
                                      int64_t R) {
  std::vector<double> P(static_cast<size_t>(N * R), 0.0);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < R; ++j) {
      double s = 0;
      for (int64_t t = 0; t < d; ++t) s += static_cast<double>(X[i * d + t]) * W[j * d + t];
      P[static_cast<size_t>(i * R + j)] = s;
    }
  }
  return P;
}

std::vector<int32_t> argmax_rows(const double* scores, int64_t N, int K) {
  MP_CHECK(K >= 1, "probes/argmax_rows: K=" << K << " must be >= 1");
  std::vector<int32_t> out(static_cast<size_t>(N), 0);
  for (int64_t i = 0; i < N; ++i) {
    const double* s = scores + i * K;
    int best = 0;
    for (int c = 1; c < K; ++c) {
      if (s[c] > s[best]) best = c;
    }
    out[static_cast<size_t>(i)] = best;
  }
  return out;
}

}  // namespace mp::probes
