// QDA against scikit-learn's steps written out by loops, with a Jacobi SVD of each class's
// centred rows (memprobe eigendecomposes Xc^T Xc instead), and the documented regularisation rule.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "discriminant_reference.h"
#include "probes/qda.h"
#include "tensor/check.h"
#include "tensor/rng.h"

using namespace mp::probes;
using mp::probes::testing::class_rows_of;
using mp::probes::testing::jacobi_svd;

namespace {

struct QdaRef {
  std::vector<double> scores;  // M x K
  double reg = 0;
};

// Per class S2 = S^2 / (n_c - 1) (S_j = 0 beyond the n_c-th), the ladder rule, then the score.
QdaRef qda_reference(const std::vector<float>& X, int64_t N, int64_t d,
                     const std::vector<int32_t>& y, int K, const std::vector<float>& T, int64_t M,
                     double reg0) {
  std::vector<std::vector<double>> mu(K), base(K), V(K);
  std::vector<int64_t> n(K);
  for (int c = 0; c < K; ++c) {
    std::vector<double> rows = class_rows_of(X, d, y, c, mu[c]);
    n[c] = static_cast<int64_t>(rows.size()) / d;
    if (n[c] == 0) continue;
    for (int64_t i = 0; i < n[c]; ++i)
      for (int64_t j = 0; j < d; ++j) rows[i * d + j] -= mu[c][j];
    std::vector<double> S;
    jacobi_svd(rows, n[c], d, S, V[c]);
    for (int64_t j = 0; j < d; ++j)
      base[c].push_back(j < n[c] ? S[j] * S[j] / std::max<int64_t>(n[c] - 1, 1) : 0.0);
    const double floor = static_cast<double>(std::max(n[c], d)) *
                         std::numeric_limits<double>::epsilon() * base[c][0];
    for (double& b : base[c])
      if (b <= floor) b = 0;  // numerically zero: exactly zero
  }
  std::vector<double> tries = {reg0};
  for (double r : {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0})
    if (r > reg0) tries.push_back(r);
  QdaRef out;
  out.reg = 1.0;
  for (double r : tries) {
    bool ok = true;
    for (int c = 0; c < K; ++c) {
      if (n[c] == 0) continue;
      double lo = 1e300, hi = 0;
      for (double b : base[c]) {
        lo = std::min(lo, (1 - r) * b + r);
        hi = std::max(hi, (1 - r) * b + r);
      }
      ok = ok && lo > static_cast<double>(std::max(n[c], d)) *
                          std::numeric_limits<double>::epsilon() * hi;
    }
    if (ok) {
      out.reg = r;
      break;
    }
  }
  out.scores.assign(static_cast<size_t>(M * K), -std::numeric_limits<double>::infinity());
  for (int c = 0; c < K; ++c) {
    if (n[c] == 0) continue;
    for (int64_t i = 0; i < M; ++i) {
      double q = 0, logdet = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double s2 = (1 - out.reg) * base[c][j] + out.reg;
        double z = 0;
        for (int64_t t = 0; t < d; ++t) z += (T[i * d + t] - mu[c][t]) * V[c][t * d + j];
        q += z * z / s2;
        logdet += std::log(s2);
      }
      out.scores[i * K + c] =
          -0.5 * (q + logdet) + std::log(static_cast<double>(n[c]) / static_cast<double>(N));
    }
  }
  return out;
}

void make_data(int64_t n, int64_t d, int K, uint32_t seed, bool relu, double scale,
               std::vector<float>& X, std::vector<int32_t>& y) {
  mp::Rng rng(seed);
  X.resize(static_cast<size_t>(n * d));
  y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[i] = static_cast<int32_t>(i % K);
    for (int64_t j = 0; j < d; ++j) {
      // Class-dependent spread as well as mean: what QDA sees that LDA does not.
      double v = (1.0 + 0.5 * ((j + y[i]) % 3)) * rng.normal() + (j % K == y[i] ? 1.5 : 0.0);
      if (relu) v = std::max(v, 0.0);
      X[i * d + j] = static_cast<float>(scale * v);
    }
  }
}

double check_against_reference(const std::vector<float>& X, int64_t N, int64_t d,
                               const std::vector<int32_t>& y, int K, const std::vector<float>& T,
                               int64_t M, double reg0 = 0) {
  QdaOptions o;
  o.reg = reg0;
  const QdaProbe p = fit_qda(X.data(), N, d, y.data(), K, o);
  const QdaRef r = qda_reference(X, N, d, y, K, T, M, reg0);
  CHECK(p.reg == r.reg);
  const std::vector<double> s = qda_scores(p, T.data(), M);
  REQUIRE(s.size() == r.scores.size());
  for (size_t i = 0; i < s.size(); ++i) {
    CHECK_FALSE(std::isnan(s[i]));
    if (std::isinf(r.scores[i]))
      CHECK(s[i] == r.scores[i]);
    else
      CHECK(s[i] == Approx(r.scores[i]).epsilon(1e-8));
  }
  std::vector<int32_t> want;
  for (int64_t i = 0; i < M; ++i) {
    int b = 0;
    for (int c = 1; c < K; ++c)
      if (r.scores[i * K + c] > r.scores[i * K + b]) b = c;
    want.push_back(b);
  }
  CHECK(predict_qda(p, T.data(), M) == want);
  return p.reg;
}

}  // namespace

TEST_CASE("QDA matches the reference on full-rank data without regularisation", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  make_data(120, 5, 3, 1, false, 1.0, X, y);
  make_data(40, 5, 3, 2, false, 1.0, T, yt);
  CHECK(check_against_reference(X, 120, 5, y, 3, T, 40) == 0.0);
  CHECK(check_against_reference(X, 120, 5, y, 3, T, 40, 0.25) == 0.25);  // kept as asked
}

TEST_CASE("QDA with fewer rows than dimensions regularises by the ladder", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  make_data(18, 9, 3, 3, false, 1.0, X, y);  // 6 rows per class in 9 dimensions
  make_data(12, 9, 3, 4, false, 1.0, T, yt);
  CHECK(check_against_reference(X, 18, 9, y, 3, T, 12) == 1e-6);
  // Activations 1e5 times larger: the top S2 is ~1e11, so every ladder value up to 1e-4 is
  // below the rank threshold max(n_c, d) eps max S2 (~2e-4) and the ladder climbs to 1e-3.
  std::vector<float> Xb = X, Tb = T;
  for (float& v : Xb) v *= 1e5f;
  for (float& v : Tb) v *= 1e5f;
  CHECK(check_against_reference(Xb, 18, 9, y, 3, Tb, 12) == 1e-3);
}

TEST_CASE("QDA with a dead feature, a constant feature, one row and no rows", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  make_data(90, 6, 3, 5, true, 1.0, X, y);
  make_data(30, 6, 3, 6, true, 1.0, T, yt);
  for (int64_t i = 0; i < 90; ++i) {
    X[i * 6 + 1] = 0.0f;  // dead unit
    X[i * 6 + 4] = 2.5f;  // constant
  }
  CHECK(check_against_reference(X, 90, 6, y, 3, T, 30) == 1e-6);
  // Class 3 with a single row (zero covariance), class 4 with none (K = 5).
  X.insert(X.end(), {1, 0, 1, 0, 2.5f, 1});
  y.push_back(3);
  CHECK(check_against_reference(X, 91, 6, y, 5, T, 30) == 1e-6);
  const QdaProbe p = fit_qda(X.data(), 91, 6, y.data(), 5);
  for (int32_t v : predict_qda(p, T.data(), 30)) CHECK(v != 4);
}

TEST_CASE("QDA rejects a bad reg and bad labels", "[probes]") {
  const std::vector<float> X = {1, 2, 3, 4};
  const std::vector<int32_t> y = {0, 1};
  QdaOptions o;
  o.reg = 1.5;
  CHECK_THROWS_AS(fit_qda(X.data(), 2, 2, y.data(), 2, o), mp::Error);
  const std::vector<int32_t> bad = {0, 2};
  CHECK_THROWS_AS(fit_qda(X.data(), 2, 2, bad.data(), 2), mp::Error);
  QdaProbe empty;
  CHECK_THROWS_AS(qda_scores(empty, X.data(), 1), mp::Error);
}
