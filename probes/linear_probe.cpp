#include "probes/linear_probe.h"

#include <algorithm>
#include <utility>

#include "probes/projection.h"
#include "tensor/check.h"

namespace mp::probes {

// X is (N, d) float32 -> (d) double column means. Parallel over column strips so each column's
// sum runs over the rows in order: the result does not depend on the thread count.
std::vector<double> column_means(const float* X, int64_t N, int64_t d) {
  std::vector<double> m(static_cast<size_t>(d), 0.0);
  if (N == 0) return m;
  constexpr int64_t kStrip = 64;
  const int64_t strips = (d + kStrip - 1) / kStrip;
#pragma omp parallel for schedule(static) if (N * d > (int64_t{1} << 20))
  for (int64_t s = 0; s < strips; ++s) {
    const int64_t j0 = s * kStrip, j1 = std::min(d, j0 + kStrip);
    double acc[kStrip] = {};
    for (int64_t i = 0; i < N; ++i) {
      const float* x = X + i * d;
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] += x[j];
    }
    for (int64_t j = j0; j < j1; ++j) m[static_cast<size_t>(j)] = acc[j - j0] / N;
  }
  return m;
}

LinearProbe linear_from_eigen(const std::vector<ClassEigen>& eig, const float* X, int64_t N,
                              int64_t d) {
  LinearProbe p;
  p.num_classes = static_cast<int>(eig.size());
  p.dim = d;
  p.W.assign(eig.size() * static_cast<size_t>(d), 0.0);
  const std::vector<double> mean = column_means(X, N, d);
  for (size_t c = 0; c < eig.size(); ++c) {
    if (eig[c].k == 0) continue;  // empty / all-zero class: v_c = 0
    MP_CHECK(eig[c].dim == d, "probes/linear_from_eigen: class " << c << " has dim " << eig[c].dim
                                                                 << ", expected " << d);
    const double* v = eig[c].vectors.data();
    double m = 0;
    for (int64_t j = 0; j < d; ++j) m += v[j] * mean[static_cast<size_t>(j)];
    const double sign = m < 0 ? -1.0 : 1.0;
    double* w = p.W.data() + c * static_cast<size_t>(d);
    for (int64_t j = 0; j < d; ++j) w[j] = sign * v[j];
  }
  return p;
}

LinearProbe fit_linear_probe(const float* X, int64_t N, int64_t d, const int32_t* labels,
                             int num_classes, EigenPath path, bool parallel_classes) {
  const ComponentRule top1{0.99, 1};
  return linear_from_eigen(
      all_class_eigen(X, N, d, labels, num_classes, top1, path, parallel_classes), X, N, d);
}

// X is (N, d) float32, W is (K, d) -> (N, K) double.
std::vector<double> linear_scores(const LinearProbe& probe, const float* X, int64_t N) {
  const int K = probe.num_classes;
  MP_CHECK(K >= 1 && static_cast<int64_t>(probe.W.size()) == K * probe.dim,
           "probes/linear_scores: probe is not fitted or inconsistent (K="
               << K << ", W holds " << probe.W.size() << ")");
  std::vector<double> scores(static_cast<size_t>(N * K));
  auto keep_rows = [&](int64_t r0, int64_t nb, const double* P, const double*) {
    std::copy(P, P + nb * K, scores.begin() + r0 * K);
  };
  // One dgemm per class: equal directions score equally on every BLAS kernel (ties -> lowest
  // index).
  for_each_grouped_projection_block(X, N, probe.dim, probe.W.data(), one_row_groups(K), keep_rows);
  return scores;
}

std::vector<int32_t> predict_linear(const LinearProbe& probe, const float* X, int64_t N) {
  return argmax_rows(linear_scores(probe, X, N).data(), N, probe.num_classes);
}

MascAndLinear fit_masc_and_linear(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                  int num_classes, const MascOptions& opts) {
  const std::vector<ComponentRule> rules = masc_rules(opts);
  std::vector<ClassEigen> eig =
      all_class_eigen(X, N, d, labels, num_classes, rules, opts.path, opts.parallel_classes);
  MascAndLinear out;
  out.linear = linear_from_eigen(eig, X, N, d);  // before the move below empties `eig`
  for (size_t i = 1; i < rules.size(); ++i) out.more.push_back(masc_for_rule(eig, d, rules[i]));
  // The primary keeps a prefix too when a wider rule decided how many vectors were computed.
  out.masc =
      rules.size() == 1 ? masc_from_eigen(std::move(eig), d) : masc_for_rule(eig, d, rules.front());
  return out;
}

}  // namespace mp::probes
