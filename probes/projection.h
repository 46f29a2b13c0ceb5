#pragma once
// The scoring kernel every probe shares: project float32 rows onto a stack of double row
// vectors, block by block, in double precision, so a probe's per-row score is a cheap reduction
// over one big GEMM instead of one small product per class.
#include <cstdint>
#include <functional>
#include <vector>

namespace mp::probes {

// Called once per row block: rows [r0, r0 + nb) of X; P is nb x R row-major with
// P[i][j] = x_(r0+i) . W_j (double), sq_norm[i] = ||x_(r0+i)||^2 (double).
using ProjectionBlockFn =
    std::function<void(int64_t r0, int64_t nb, const double* P, const double* sq_norm)>;

// X: N x d float32 row-major; W: R x d double row-major. One dgemm per block of rows
// (P = X_block W^T). Blocks run concurrently on the OpenMP threads, so fn may be called from
// several threads at once, for disjoint row ranges: it must only write to its own rows.
// block_rows = 0 picks a size (~64 MB of block data); tests pass small values to cross blocks.
void for_each_projection_block(const float* X, int64_t N, int64_t d, const double* W, int64_t R,
                               const ProjectionBlockFn& fn, int64_t block_rows = 0);

// Plain twin (test oracle): P = X W^T by triple loop in double, N x R.
std::vector<double> project_reference(const float* X, int64_t N, int64_t d, const double* W,
                                      int64_t R);

// Row-wise argmax of an N x K score matrix; ties go to the lowest class index (strict >), so a
// row of equal scores (e.g. x = 0) is class 0.
std::vector<int32_t> argmax_rows(const double* scores, int64_t N, int K);

}  // namespace mp::probes
