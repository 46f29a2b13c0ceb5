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

// The same with W's rows in groups (a class's basis vectors): group g is rows
// [offsets[g], offsets[g + 1]) of W, and offsets.back() == R. Each group is projected by a dgemm
// of its own, into a scratch buffer of its own width, so two groups with identical rows give
// bit-identical columns of P on every BLAS kernel. One dgemm over all R rows would put them at
// different positions of the kernel's register tiles, and some kernels (OpenBLAS's Haswell
// dgemm) round those positions differently: identical classes would then not tie. The extra
// calls re-pack the row block once per group, which is small next to the d multiply-adds per
// element whenever groups have more than a few rows.
void for_each_grouped_projection_block(const float* X, int64_t N, int64_t d, const double* W,
                                       const std::vector<int64_t>& offsets,
                                       const ProjectionBlockFn& fn, int64_t block_rows = 0);

// The float32 twin, for paths that certify their results against the double ones (masc.h's
// predict_masc): P = X W^T by one sgemm per row block over all R rows of W (no groups, so columns
// with identical rows of W need not come out identical: a caller must treat near-equal columns
// as undecided). sq_norm is ||x||^2 in double, from exact squares. Same blocks and threading.
using FloatProjectionBlockFn =
    std::function<void(int64_t r0, int64_t nb, const float* P, const double* sq_norm)>;
void for_each_float_projection_block(const float* X, int64_t N, int64_t d, const float* W,
                                     int64_t R, const FloatProjectionBlockFn& fn,
                                     int64_t block_rows = 0);

// Offsets 0, 1, ..., R: every row of W its own group (a probe with one direction per class).
std::vector<int64_t> one_row_groups(int64_t R);

// Plain twin (test oracle): P = X W^T by triple loop in double, N x R.
std::vector<double> project_reference(const float* X, int64_t N, int64_t d, const double* W,
                                      int64_t R);

// Row-wise argmax of an N x K score matrix; ties go to the lowest class index (strict >), so a
// row of equal scores (e.g. x = 0) is class 0.
std::vector<int32_t> argmax_rows(const double* scores, int64_t N, int K);

}  // namespace mp::probes
