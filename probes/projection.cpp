#include "probes/projection.h"

#include <cblas.h>

#include <algorithm>

#include "tensor/check.h"

namespace mp::probes {

namespace {
// Rows per block: keep the double copy of the block plus its projections near 64 MB, big
// enough that the dgemm runs at full speed, small enough to stay friendly to memory.
constexpr int64_t kBlockDoubles = int64_t{1} << 23;
}  // namespace

// X is (N, d) float32, W is (R, d) double -> fn(blocks of P = X W^T (nb, R), ||x||^2 (nb)).
void for_each_projection_block(const float* X, int64_t N, int64_t d, const double* W, int64_t R,
                               const ProjectionBlockFn& fn, int64_t block_rows) {
  MP_CHECK(N >= 0 && d > 0 && R >= 0,
           "probes/projection: bad shapes N=" << N << " d=" << d << " R=" << R);
  MP_CHECK(X != nullptr || N == 0, "probes/projection: X is null with N=" << N);
  if (N == 0) return;
  const int64_t block = block_rows > 0
                            ? std::min(block_rows, N)
                            : std::min(N, std::max<int64_t>(64, kBlockDoubles / (d + R)));
  std::vector<double> Xb(static_cast<size_t>(block * d));
  std::vector<double> P(static_cast<size_t>(block * std::max<int64_t>(R, 1)));
  std::vector<double> sq(static_cast<size_t>(block));
  for (int64_t r0 = 0; r0 < N; r0 += block) {
    const int64_t nb = std::min(block, N - r0);
#pragma omp parallel for schedule(static) if (nb * d > (int64_t{1} << 16))
    for (int64_t i = 0; i < nb; ++i) {
      const float* src = X + (r0 + i) * d;
      double* dst = Xb.data() + i * d;
      double s = 0;
      for (int64_t j = 0; j < d; ++j) {
        dst[j] = src[j];
        s += dst[j] * dst[j];
      }
      sq[static_cast<size_t>(i)] = s;
    }
    if (R > 0) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb),
                  static_cast<int>(R), static_cast<int>(d), 1.0, Xb.data(), static_cast<int>(d), W,
                  static_cast<int>(d), 0.0, P.data(), static_cast<int>(R));
    }
    fn(r0, nb, P.data(), sq.data());
  }
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
