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
// Grouped projections re-read the block once per group. With narrow groups (up to kNarrowGroup
// rows: single class directions, or MASC at a low tau) that re-reading dominates unless the
// block stays in cache, so their blocks hold ~2 MB; wide groups amortise the streaming of W over
// big blocks instead. Measured against one dgemm over all of W in 64 MB blocks (10,000 rows,
// d = 2048, 10 classes, CPU time, 2 threads): groups of 1 row 0.3x the time, of 8 rows 0.83x,
// of 128 rows 1.17x, of 850 rows (MASC at tau 0.99) 1.06x; d = 512, 300 rows 1.05-1.10x.
constexpr int64_t kCacheBlockDoubles = int64_t{1} << 18;
constexpr int64_t kNarrowGroup = 512;
// Every dgemm gets a multiple of this many rows (zero rows pad a short block). BLAS kernels work
// on tiles of a few rows and treat the rows left over at the end with other code: measured with
// OpenBLAS 0.3.21, the Haswell and Prescott dgemm kernels round a row in the leftover part
// differently from the same row inside a full tile. Padded, every row sits in a full tile, so a
// row's projection does not depend on how many rows were projected with it, which is what lets
// masc_class_scores rescore any subset of rows exactly as masc_scores scored them.
constexpr int64_t kRowTile = 16;

int64_t padded_rows(int64_t nb) {
  return (nb + kRowTile - 1) / kRowTile * kRowTile;
}
}  // namespace

namespace {
// Xb <- rows [r0, r0 + nb) as double, then zero rows up to padded_rows(nb); sq <- the rows'
// squared norms.
void load_block(const float* X, int64_t r0, int64_t nb, int64_t d, double* Xb, double* sq) {
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
  std::fill(Xb + nb * d, Xb + padded_rows(nb) * d, 0.0);
}

// P (nb x R) <- Xb W^T, one dgemm per group of W's rows (offsets; empty: one group of all R).
// nb is a multiple of kRowTile (padded rows included).
// A group other than the whole of W goes through `scratch` (nb x its width, the same buffer
// for every group), so identical groups are identical calls: same shapes, same pointers for A
// and C, equal values in B.
void project_block(const double* Xb, int64_t nb, int64_t d, const double* W, int64_t R,
                   const std::vector<int64_t>& offsets, double* P, double* scratch) {
  auto gemm = [&](const double* Wg, int64_t k, double* C, int64_t ldc) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb), static_cast<int>(k),
                static_cast<int>(d), 1.0, Xb, static_cast<int>(d), Wg, static_cast<int>(d), 0.0, C,
                static_cast<int>(ldc));
  };
  if (offsets.empty()) {
    if (R > 0) gemm(W, R, P, R);
    return;
  }
  for (size_t g = 0; g + 1 < offsets.size(); ++g) {
    const int64_t o = offsets[g], k = offsets[g + 1] - o;
    if (k == 0) continue;
    gemm(W + o * d, k, scratch, k);
    for (int64_t i = 0; i < nb; ++i)
      std::copy(scratch + i * k, scratch + (i + 1) * k, P + i * R + o);
  }
}

// How a projection of N rows of width d onto R directions is cut into row blocks, and whether
// the blocks run side by side.
struct BlockPlan {
  int64_t block = 0, nblocks = 0;
  int threads = 1;
  bool par = false;
};

BlockPlan plan_blocks(int64_t N, int64_t d, int64_t R, bool narrow, int64_t block_rows) {
  BlockPlan p;
  p.threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  // Big enough for a full-speed gemm, small enough that every thread gets blocks.
  int64_t block = std::max<int64_t>(64, narrow ? kCacheBlockDoubles / d : kBlockDoubles / (d + R));
  if (p.threads > 1)
    block = std::min(block, std::max<int64_t>(64, (N + p.threads - 1) / p.threads));
  p.block = std::min(N, block_rows > 0 ? block_rows : block);
  p.nblocks = (N + p.block - 1) / p.block;
  // Blocks run side by side, each with single-threaded BLAS (OpenBLAS's OpenMP build runs
  // serially inside a parallel region): no barrier per gemm, which on this shared 2-core
  // machine is what makes threaded BLAS collapse when another process holds a core. A single
  // block (small N) uses threaded BLAS instead. Each row's result does not depend on the split.
  p.par = p.threads > 1 && p.nblocks > 1 &&
          static_cast<double>(N) * static_cast<double>(d) * static_cast<double>(R + 1) >
              static_cast<double>(kParallelMinWork);
  return p;
}

// body(block index, buffer slot) for every block, side by side when plan.par; the first
// exception any block throws is rethrown here.
template <typename Body>
void run_blocks(const BlockPlan& plan, const Body& body) {
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(plan.threads) if (plan.par)
  for (int64_t b = 0; b < plan.nblocks; ++b) {
    try {
      body(b, plan.par ? omp_get_thread_num() : 0);
    } catch (...) {
#pragma omp critical(mp_probes_projection_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

void check_projection_shapes(const float* X, int64_t N, int64_t d, int64_t R) {
  MP_CHECK(N >= 0 && d > 0 && R >= 0,
           "probes/projection: bad shapes N=" << N << " d=" << d << " R=" << R);
  MP_CHECK(X != nullptr || N == 0, "probes/projection: X is null with N=" << N);
}

void projection_blocks(const float* X, int64_t N, int64_t d, const double* W, int64_t R,
                       const std::vector<int64_t>& offsets, const ProjectionBlockFn& fn,
                       int64_t block_rows) {
  check_projection_shapes(X, N, d, R);
  int64_t widest = 0;
  for (size_t g = 0; g + 1 < offsets.size(); ++g) {
    MP_CHECK(offsets[0] == 0 && offsets[g + 1] >= offsets[g],
             "probes/projection: group offsets must start at 0 and not decrease");
    widest = std::max(widest, offsets[g + 1] - offsets[g]);
  }
  if (N == 0) return;
  const bool narrow = !offsets.empty() && widest < kNarrowGroup;
  const BlockPlan plan = plan_blocks(N, d, R, narrow, block_rows);
  const int64_t block = plan.block;
  const int64_t bufs = plan.par ? plan.threads : 1;
  const int64_t rows = padded_rows(block);  // buffer rows per block, padding included
  std::vector<double> Xb(static_cast<size_t>(bufs * rows * d));
  std::vector<double> P(static_cast<size_t>(bufs * rows * std::max<int64_t>(R, 1)));
  std::vector<double> scratch(static_cast<size_t>(bufs * rows * widest));
  std::vector<double> sq(static_cast<size_t>(bufs * rows));
  run_blocks(plan, [&](int64_t b, int64_t t) {
    const int64_t r0 = b * block, nb = std::min(block, N - r0);
    double* xb = Xb.data() + t * rows * d;
    double* p = P.data() + t * rows * std::max<int64_t>(R, 1);
    double* s = sq.data() + t * rows;
    load_block(X, r0, nb, d, xb, s);
    project_block(xb, padded_rows(nb), d, W, R, offsets, p, scratch.data() + t * rows * widest);
    fn(r0, nb, p, s);
  });
}
}  // namespace

// X is (N, d) float32, W is (R, d) double -> fn(blocks of P = X W^T (nb, R), ||x||^2 (nb)).
void for_each_projection_block(const float* X, int64_t N, int64_t d, const double* W, int64_t R,
                               const ProjectionBlockFn& fn, int64_t block_rows) {
  projection_blocks(X, N, d, W, R, {}, fn, block_rows);
}

void for_each_float_projection_block(const float* X, int64_t N, int64_t d, const float* W,
                                     int64_t R, const FloatProjectionBlockFn& fn,
                                     int64_t block_rows) {
  check_projection_shapes(X, N, d, R);
  if (N == 0) return;
  const BlockPlan plan = plan_blocks(N, d, R, false, block_rows);
  const int64_t block = plan.block;
  const int64_t bufs = plan.par ? plan.threads : 1;
  std::vector<float> P(static_cast<size_t>(bufs * block * std::max<int64_t>(R, 1)));
  std::vector<double> sq(static_cast<size_t>(bufs * block));
  run_blocks(plan, [&](int64_t b, int64_t t) {
    const int64_t r0 = b * block, nb = std::min(block, N - r0);
    float* p = P.data() + t * block * std::max<int64_t>(R, 1);
    double* s = sq.data() + t * block;
    for (int64_t i = 0; i < nb; ++i) {
      // A float squared is exact in double (48 significant bits), so only the sum rounds.
      const float* x = X + (r0 + i) * d;
      double acc = 0;
      for (int64_t j = 0; j < d; ++j) acc += static_cast<double>(x[j]) * x[j];
      s[i] = acc;
    }
    if (R > 0) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb),
                  static_cast<int>(R), static_cast<int>(d), 1.0f, X + r0 * d, static_cast<int>(d),
                  W, static_cast<int>(d), 0.0f, p, static_cast<int>(R));
    }
    fn(r0, nb, p, s);
  });
}

void for_each_grouped_projection_block(const float* X, int64_t N, int64_t d, const double* W,
                                       const std::vector<int64_t>& offsets,
                                       const ProjectionBlockFn& fn, int64_t block_rows) {
  MP_CHECK(!offsets.empty(), "probes/projection: no group offsets");
  projection_blocks(X, N, d, W, offsets.back(), offsets, fn, block_rows);
}

std::vector<int64_t> one_row_groups(int64_t R) {
  std::vector<int64_t> offsets(static_cast<size_t>(R) + 1);
  for (int64_t g = 0; g <= R; ++g) offsets[static_cast<size_t>(g)] = g;
  return offsets;
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
