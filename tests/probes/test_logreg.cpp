// Logistic-regression baseline probe trained with memprobe's own autograd + Adam.
#include <catch2/catch.hpp>

#include <vector>

#include "probe_fixtures.h"
#include "probes/logreg.h"
#include "probes/metrics.h"
#include "tensor/check.h"
#include "tensor/rng.h"

using namespace mp::probes;

namespace {
// 3 classes in d = 12: class c sits at +4 on coordinate c (unit-variance noise elsewhere, 0.3
// on the class coordinate), so the classes are linearly separable with a wide margin.
void separable(int64_t n, uint32_t seed, std::vector<float>& X, std::vector<int32_t>& y) {
  mp::Rng rng(seed);
  const int64_t d = 12;
  X.assign(static_cast<size_t>(n * d), 0.0f);
  y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(rng.randint(3));
    y[static_cast<size_t>(i)] = c;
    for (int64_t j = 0; j < d; ++j) X[i * d + j] = static_cast<float>(0.3 * rng.normal());
    X[i * d + c] += 4.0f;
  }
}
}  // namespace

TEST_CASE("logreg probe fits a linearly separable problem", "[probes]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  // 8192 rows: 64 steps per epoch, 1280 Adam steps in all at lr 1e-3 (a smaller set would not
  // move the weights far enough in 20 epochs).
  separable(8192, 1, X, y);
  separable(300, 2, T, yt);
  LogRegProbe p = fit_logreg(X.data(), 8192, 12, y.data(), 3);  // the §7 defaults
  REQUIRE(p.epoch_loss.size() == 20u);
  CHECK(p.epoch_loss.back() < 0.5 * p.epoch_loss.front());
  CHECK(accuracy(predict_logreg(p, X.data(), 8192), y.data(), 8192) == 1.0);
  CHECK(accuracy(predict_logreg(p, T.data(), 300), yt.data(), 300) == 1.0);
  // Logits are x W^T + b.
  const std::vector<double> s = logreg_scores(p, T.data(), 1);
  for (int c = 0; c < 3; ++c) {
    double ref = p.b[c];
    for (int j = 0; j < 12; ++j) ref += double(p.W[c * 12 + j]) * T[static_cast<size_t>(j)];
    CHECK(s[static_cast<size_t>(c)] == Approx(ref).epsilon(1e-12));
  }
}

TEST_CASE("logreg probe is deterministic for a seed and standardisation folds in", "[probes]") {
  std::vector<float> X;
  std::vector<int32_t> y;
  separable(300, 3, X, y);
  LogRegOptions o;
  o.epochs = 3;
  LogRegProbe a = fit_logreg(X.data(), 300, 12, y.data(), 3, o);
  LogRegProbe b = fit_logreg(X.data(), 300, 12, y.data(), 3, o);
  CHECK(a.W == b.W);
  CHECK(a.b == b.b);
  o.seed = 43;
  LogRegProbe c = fit_logreg(X.data(), 300, 12, y.data(), 3, o);
  CHECK(c.W != a.W);
  // With standardisation the scores equal those of the explicit standardised input.
  o.standardize = true;
  LogRegProbe s = fit_logreg(X.data(), 300, 12, y.data(), 3, o);
  REQUIRE(s.mean.size() == 12u);
  std::vector<float> z(12);
  for (int j = 0; j < 12; ++j)
    z[static_cast<size_t>(j)] = (X[static_cast<size_t>(j)] - s.mean[j]) * s.inv_std[j];
  const std::vector<double> got = logreg_scores(s, X.data(), 1);
  for (int k = 0; k < 3; ++k) {
    double ref = s.b[k];
    for (int j = 0; j < 12; ++j) ref += double(s.W[k * 12 + j]) * z[static_cast<size_t>(j)];
    CHECK(got[static_cast<size_t>(k)] == Approx(ref).epsilon(1e-6));
  }
  std::vector<int32_t> bad = y;
  bad[0] = 7;
  CHECK_THROWS_AS(fit_logreg(X.data(), 300, 12, bad.data(), 3, o), mp::Error);
}
