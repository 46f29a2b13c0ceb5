#include "probes/ncm.h"

#include <cmath>

#include "probes/class_eigen.h"
#include "probes/projection.h"
#include "tensor/check.h"

namespace mp::probes {

// X is (N, d) float32, labels (N) in [0, K) -> K unit-norm class means (double).
NcmProbe fit_ncm(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes) {
  check_labels(labels, N, num_classes, "probes/fit_ncm");
  MP_CHECK(d > 0, "probes/fit_ncm: dimension d=" << d << " must be positive");
  MP_CHECK(X != nullptr || N == 0, "probes/fit_ncm: X is null with N=" << N);
  NcmProbe p;
  p.num_classes = num_classes;
  p.dim = d;
  p.means.assign(static_cast<size_t>(num_classes * d), 0.0);
  p.class_rows.assign(static_cast<size_t>(num_classes), 0);
  for (int64_t i = 0; i < N; ++i) {
    double* m = p.means.data() + labels[i] * d;
    const float* x = X + i * d;
    for (int64_t j = 0; j < d; ++j) m[j] += x[j];
    ++p.class_rows[static_cast<size_t>(labels[i])];
  }
  // The mean's scale does not change a cosine, so normalising the sum is enough.
  for (int c = 0; c < num_classes; ++c) {
    double* m = p.means.data() + c * d;
    double s = 0;
    for (int64_t j = 0; j < d; ++j) s += m[j] * m[j];
    const double inv = s > 0 ? 1.0 / std::sqrt(s) : 0.0;
    for (int64_t j = 0; j < d; ++j) m[j] *= inv;
  }
  return p;
}

// X is (N, d) float32 -> (N, K) cos(x, mu_c).
std::vector<double> ncm_scores(const NcmProbe& probe, const float* X, int64_t N) {
  const int K = probe.num_classes;
  MP_CHECK(K >= 1 && static_cast<int64_t>(probe.means.size()) == K * probe.dim,
           "probes/ncm_scores: probe is not fitted or inconsistent (K=" << K << ")");
  std::vector<double> scores(static_cast<size_t>(N * K), 0.0);
  auto score_rows = [&](int64_t r0, int64_t nb, const double* P, const double* sq) {
    for (int64_t i = 0; i < nb; ++i) {
      if (!(sq[i] > 0)) continue;
      const double inv = 1.0 / std::sqrt(sq[i]);
      for (int c = 0; c < K; ++c)
        scores[static_cast<size_t>((r0 + i) * K + c)] = P[i * K + c] * inv;
    }
  };
  // One dgemm per class: equal means score equally on every BLAS kernel (ties -> lowest index).
  for_each_grouped_projection_block(X, N, probe.dim, probe.means.data(), one_row_groups(K),
                                    score_rows);
  return scores;
}

std::vector<int32_t> predict_ncm(const NcmProbe& probe, const float* X, int64_t N) {
  return argmax_rows(ncm_scores(probe, X, N).data(), N, probe.num_classes);
}

}  // namespace mp::probes
