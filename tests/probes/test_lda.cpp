// LDA against scikit-learn's svd-solver steps written out by loops, with a Jacobi SVD of the
// scaled data itself (memprobe eigendecomposes Z^T Z instead), on full-rank and singular data.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "discriminant_reference.h"
#include "probes/lda.h"
#include "tensor/check.h"
#include "tensor/rng.h"

using namespace mp::probes;
using mp::probes::testing::class_rows_of;
using mp::probes::testing::jacobi_svd;

namespace {

struct LdaRef {
  std::vector<double> scores;  // M x K
  int within_rank = 0, rank = 0;
};

// scikit-learn's _solve_svd + decision_function, literally (present classes only).
LdaRef lda_reference(const std::vector<float>& X, int64_t N, int64_t d,
                     const std::vector<int32_t>& y, int K, const std::vector<float>& T, int64_t M,
                     double tol = 1e-4) {
  std::vector<int> present;
  std::vector<std::vector<double>> mu(static_cast<size_t>(K));
  std::vector<double> prior(static_cast<size_t>(K), 0.0);
  std::vector<double> Xc;  // rows grouped by class, centred
  for (int c = 0; c < K; ++c) {
    std::vector<double> rows = class_rows_of(X, d, y, c, mu[c]);
    const int64_t n = static_cast<int64_t>(rows.size()) / d;
    if (n == 0) continue;
    present.push_back(c);
    prior[c] = static_cast<double>(n) / static_cast<double>(N);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) Xc.push_back(rows[i * d + j] - mu[c][j]);
  }
  const double fac = 1.0 / static_cast<double>(N - static_cast<int64_t>(present.size()));
  std::vector<double> sd(static_cast<size_t>(d), 0.0), cm(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < d; ++j) cm[j] += Xc[i * d + j] / static_cast<double>(N);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < d; ++j) sd[j] += (Xc[i * d + j] - cm[j]) * (Xc[i * d + j] - cm[j]);
  for (double& s : sd) {
    s = std::sqrt(s / static_cast<double>(N));
    if (s == 0) s = 1;
  }
  std::vector<double> Z(Xc.size());
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < d; ++j) Z[i * d + j] = std::sqrt(fac) * (Xc[i * d + j] / sd[j]);
  std::vector<double> S, V;
  jacobi_svd(Z, N, d, S, V);
  LdaRef r;
  while (r.within_rank < d && S[r.within_rank] > tol) ++r.within_rank;
  const int rw = r.within_rank;
  std::vector<double> scal(static_cast<size_t>(d * rw));  // d x rw
  for (int64_t j = 0; j < d; ++j)
    for (int t = 0; t < rw; ++t) scal[j * rw + t] = V[j * d + t] / sd[j] / S[t];
  std::vector<double> xbar(static_cast<size_t>(d), 0.0);
  for (int c : present)
    for (int64_t j = 0; j < d; ++j) xbar[j] += prior[c] * mu[c][j];
  const int64_t Kp = static_cast<int64_t>(present.size());
  std::vector<double> B(static_cast<size_t>(Kp * rw), 0.0);
  for (int64_t a = 0; a < Kp; ++a) {
    const int c = present[a];
    for (int t = 0; t < rw; ++t)
      for (int64_t j = 0; j < d; ++j)
        B[a * rw + t] += std::sqrt(static_cast<double>(N) * prior[c] * fac) * (mu[c][j] - xbar[j]) *
                         scal[j * rw + t];
  }
  std::vector<double> Sb, Vb;
  jacobi_svd(B, Kp, rw, Sb, Vb);
  while (r.rank < std::min<int64_t>(Kp, rw) && Sb[r.rank] > tol * Sb[0]) ++r.rank;
  std::vector<double> W(static_cast<size_t>(d * r.rank), 0.0);  // d x rank
  for (int64_t j = 0; j < d; ++j)
    for (int u = 0; u < r.rank; ++u)
      for (int t = 0; t < rw; ++t) W[j * r.rank + u] += scal[j * rw + t] * Vb[t * rw + u];
  std::vector<double> coef(static_cast<size_t>(K * d), 0.0);
  std::vector<double> icpt(static_cast<size_t>(K), -std::numeric_limits<double>::infinity());
  for (int c : present) {
    std::vector<double> ck(static_cast<size_t>(r.rank), 0.0);
    for (int u = 0; u < r.rank; ++u)
      for (int64_t j = 0; j < d; ++j) ck[u] += (mu[c][j] - xbar[j]) * W[j * r.rank + u];
    double sq = 0;
    for (double v : ck) sq += v * v;
    icpt[c] = -0.5 * sq + std::log(prior[c]);
    for (int64_t j = 0; j < d; ++j)
      for (int u = 0; u < r.rank; ++u) coef[c * d + j] += ck[u] * W[j * r.rank + u];
    for (int64_t j = 0; j < d; ++j) icpt[c] -= xbar[j] * coef[c * d + j];
  }
  r.scores.assign(static_cast<size_t>(M * K), 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int c = 0; c < K; ++c) {
      double s = icpt[c];
      for (int64_t j = 0; j < d; ++j) s += T[i * d + j] * coef[c * d + j];
      r.scores[i * K + c] = s;
    }
  return r;
}

std::vector<int32_t> argmax(const std::vector<double>& s, int64_t M, int K) {
  std::vector<int32_t> out;
  for (int64_t i = 0; i < M; ++i) {
    int b = 0;
    for (int c = 1; c < K; ++c)
      if (s[i * K + c] > s[i * K + b]) b = c;
    out.push_back(b);
  }
  return out;
}

// Class-shifted Gaussian rows, ReLU'd when asked (dead features appear then).
void make_data(int64_t n, int64_t d, int K, uint32_t seed, bool relu, std::vector<float>& X,
               std::vector<int32_t>& y) {
  mp::Rng rng(seed);
  X.resize(static_cast<size_t>(n * d));
  y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[i] = static_cast<int32_t>(i % K);
    for (int64_t j = 0; j < d; ++j) {
      float v = static_cast<float>(rng.normal() + (j % K == y[i] ? 1.5 : 0.0));
      X[i * d + j] = relu ? std::max(v, 0.0f) : v;
    }
  }
}

void check_against_reference(const std::vector<float>& X, int64_t N, int64_t d,
                             const std::vector<int32_t>& y, int K, const std::vector<float>& T,
                             int64_t M) {
  const LdaProbe p = fit_lda(X.data(), N, d, y.data(), K);
  const LdaRef r = lda_reference(X, N, d, y, K, T, M);
  CHECK(p.within_rank == r.within_rank);
  CHECK(p.rank == r.rank);
  const std::vector<double> s = lda_scores(p, T.data(), M);
  REQUIRE(s.size() == r.scores.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::isinf(r.scores[i])) {
      CHECK(s[i] == r.scores[i]);
    } else {
      CHECK(s[i] == Approx(r.scores[i]).epsilon(1e-9).margin(1e-9));
    }
  }
  CHECK(predict_lda(p, T.data(), M) == argmax(r.scores, M, K));
}

}  // namespace

TEST_CASE("LDA matches the svd-solver reference on full-rank data", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  make_data(90, 6, 3, 1, false, X, y);
  make_data(40, 6, 3, 2, false, T, yt);
  check_against_reference(X, 90, 6, y, 3, T, 40);
  const LdaProbe p = fit_lda(X.data(), 90, 6, y.data(), 3);
  CHECK(p.within_rank == 6);
  CHECK(p.rank == 2);  // K - 1 centroid directions
}

TEST_CASE("LDA with more dimensions than rows drops the null directions", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  make_data(14, 20, 3, 3, false, X, y);
  make_data(10, 20, 3, 4, false, T, yt);
  check_against_reference(X, 14, 20, y, 3, T, 10);
  CHECK(fit_lda(X.data(), 14, 20, y.data(), 3).within_rank == 14 - 3);
}

TEST_CASE("LDA with constant and dead features and an empty class", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  make_data(60, 8, 3, 5, true, X, y);
  make_data(30, 8, 3, 6, true, T, yt);
  for (int64_t i = 0; i < 60; ++i) {
    X[i * 8 + 2] = 3.0f;  // constant: std 0 -> 1, no within-class variance
    X[i * 8 + 5] = 0.0f;  // dead unit
  }
  // K = 4: class 3 has no rows -> score -inf, never predicted.
  check_against_reference(X, 60, 8, y, 4, T, 30);
  const LdaProbe p = fit_lda(X.data(), 60, 8, y.data(), 4);
  CHECK(p.within_rank == 6);
  for (int32_t v : predict_lda(p, T.data(), 30)) CHECK(v != 3);
}

TEST_CASE("LDA rejects too few rows and bad labels", "[probes]") {
  const std::vector<float> X = {1, 2, 3, 4};
  const std::vector<int32_t> y = {0, 1};
  CHECK_THROWS_AS(fit_lda(X.data(), 2, 2, y.data(), 2), mp::Error);
  const std::vector<int32_t> bad = {0, 5};
  CHECK_THROWS_AS(fit_lda(X.data(), 2, 2, bad.data(), 2), mp::Error);
  LdaProbe empty;
  CHECK_THROWS_AS(lda_scores(empty, X.data(), 1), mp::Error);
}
