// Nearest class mean (cosine) and the probe metrics.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "probes/metrics.h"
#include "probes/ncm.h"
#include "tensor/check.h"

using namespace mp::probes;

TEST_CASE("NCM uses cosine to the class means", "[probes]") {
  // Class 0 mean (2, 0), class 1 mean (1, 1); class 2 has no rows.
  const std::vector<float> X = {1, 0, 3, 0, 0, 2, 2, 0};
  const std::vector<int32_t> y = {0, 0, 1, 1};
  NcmProbe p = fit_ncm(X.data(), 4, 2, y.data(), 3);
  CHECK(p.class_rows == std::vector<int64_t>{2, 2, 0});
  const double r = 1.0 / std::sqrt(2.0);
  CHECK(p.means[0] == 1.0);
  CHECK(p.means[1] == 0.0);
  CHECK(p.means[2] == Approx(r).epsilon(1e-15));
  CHECK(p.means[3] == Approx(r).epsilon(1e-15));
  CHECK(p.means[4] == 0.0);
  CHECK(p.means[5] == 0.0);
  // (10, 1): cos to class 0 = 10/sqrt(101) ~ 0.995; to class 1 = 11/sqrt(202) ~ 0.774. Far away
  // in Euclidean terms from class 0's mean (2, 0), but cosine ignores the scale.
  // (1, 2): class 1. (0, 0): all zero -> class 0. (-1, -1): cos(class 0) = -0.707, class 1 = -1,
  // empty class 2 = 0 -> class 2 (an empty class scores 0, not -inf).
  const std::vector<float> T = {10, 1, 1, 2, 0, 0, -1, -1};
  const std::vector<double> s = ncm_scores(p, T.data(), 4);
  CHECK(s[0] == Approx(10.0 / std::sqrt(101.0)).epsilon(1e-14));
  CHECK(s[1] == Approx(11.0 / std::sqrt(202.0)).epsilon(1e-14));
  for (int c = 0; c < 3; ++c) CHECK(s[2 * 3 + c] == 0.0);
  for (double v : s) CHECK_FALSE(std::isnan(v));
  CHECK(predict_ncm(p, T.data(), 4) == std::vector<int32_t>{0, 1, 0, 2});
}

TEST_CASE("NCM rejects bad labels and unfitted probes", "[probes]") {
  const std::vector<float> X = {1, 2};
  const std::vector<int32_t> y = {3};
  CHECK_THROWS_AS(fit_ncm(X.data(), 1, 2, y.data(), 3), mp::Error);
  NcmProbe empty;
  CHECK_THROWS_AS(ncm_scores(empty, X.data(), 1), mp::Error);
}

TEST_CASE("accuracy and confusion counts", "[probes]") {
  const std::vector<int32_t> pred = {0, 1, 2, 2, 1};
  const std::vector<int32_t> y = {0, 1, 1, 2, 0};
  CHECK(accuracy(pred, y.data(), 5) == Approx(0.6).epsilon(1e-15));
  CHECK(accuracy({}, nullptr, 0) == 0.0);
  CHECK_THROWS_AS(accuracy(pred, y.data(), 4), mp::Error);
  const std::vector<int64_t> m = confusion_counts(pred, y.data(), 5, 3);
  // rows = label, columns = prediction
  CHECK(m == std::vector<int64_t>{1, 1, 0, 0, 1, 1, 0, 0, 1});
  const std::vector<double> pc = per_class_accuracy(m, 3);
  CHECK(pc[0] == 0.5);
  CHECK(pc[1] == 0.5);
  CHECK(pc[2] == 1.0);
  const std::vector<int32_t> bad = {0, 1, 5, 2, 1};
  CHECK_THROWS_AS(confusion_counts(bad, y.data(), 5, 3), mp::Error);
}
