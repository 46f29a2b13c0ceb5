// Per-class eigen machinery: numpy-compatible component rule, fast top-k solver vs dsyevd, and
// the Gram path vs the direct path.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "probe_fixtures.h"
#include "probes/class_eigen.h"
#include "tensor/check.h"
#include "tensor/rng.h"

using namespace mp::probes;
using mp::probes::testing::max_abs_diff;
using mp::probes::testing::projector;

namespace {

// n x d generic non-negative rows of full rank: max(0, N(0.2, 1)), seeded.
std::vector<float> shifted_relu_rows(int64_t n, int64_t d, uint32_t seed) {
  mp::Rng rng(seed);
  std::vector<float> X(static_cast<size_t>(n * d));
  for (auto& v : X) v = static_cast<float>(std::max(0.0, rng.normal() + 0.2));
  return X;
}

}  // namespace

TEST_CASE("numpy_pairwise_sum reproduces np.sum bit for bit", "[probes]") {
  // a = 1 / (n, n-1, ..., 1): golden sums from numpy 1.24 (float.hex). For n = 100, 1000 and
  // 2048 numpy's pairwise order differs from a sequential sum, so this pins the tree.
  struct Case {
    int n;
    double numpy_sum;
  };
  const Case cases[] = {{5, 0x1.2444444444444p+1},
                        {100, 0x1.4bfdfe4591242p+2},
                        {129, 0x1.5c37b09149ba9p+2},
                        {1000, 0x1.df11f45f4e619p+2},
                        {2048, 0x1.06776de68588bp+3}};
  for (const Case& c : cases) {
    std::vector<double> a(static_cast<size_t>(c.n));
    for (int i = 0; i < c.n; ++i) a[static_cast<size_t>(i)] = 1.0 / (c.n - i);
    CHECK(numpy_pairwise_sum(a.data(), c.n) == c.numpy_sum);
  }
  std::vector<double> a(1000);
  for (int i = 0; i < 1000; ++i) a[static_cast<size_t>(i)] = 1.0 / (1000 - i);
  double seq = 0;
  for (double v : a) seq += v;
  CHECK(seq != numpy_pairwise_sum(a.data(), 1000));  // the test above is not vacuous
}

TEST_CASE("count_components_tau follows the peer's rule", "[probes]") {
  // w_j = exp(-j / 300), j < 2048; numpy: 1 + count_nonzero(cumsum(w / w.sum()) <= tau).
  std::vector<double> w(2048);
  for (int j = 0; j < 2048; ++j) w[static_cast<size_t>(j)] = std::exp(-j / 300.0);
  CHECK(count_components_tau(w, 0.5) == 208);
  CHECK(count_components_tau(w, 0.9) == 688);
  CHECK(count_components_tau(w, 0.99) == 1351);
  CHECK(count_components_tau(w, 0.999) == 1853);
  // Spectrum of class 0 of the golden tiny case (test_masc.cpp): cumsum 0.849, 0.934, 0.976,
  // 0.993, 0.999, 1.
  const std::vector<double> s0 = {39.95445076, 3.98644928, 1.96501604,
                                  0.82094075,  0.26754085, 0.04080078};
  CHECK(count_components_tau(s0, 0.5) == 1);
  CHECK(count_components_tau(s0, 0.9) == 2);
  CHECK(count_components_tau(s0, 0.95) == 3);
  CHECK(count_components_tau(s0, 0.99) == 4);
  // Zero padding (the Gram path's missing eigenvalues) does not change the count.
  CHECK(count_components_tau(s0, 0.99, 64) == 4);
  // tau = 1 counts every entry: 1 + n (callers clamp to the rank).
  CHECK(count_components_tau({1.0, 1.0}, 1.0) == 3);
}

TEST_CASE("class_eigen top-k matches a full dsyevd decomposition", "[probes]") {
  const int64_t n = 70, d = 23;
  mp::Rng rng(5);
  std::vector<float> X(static_cast<size_t>(n * d));
  for (auto& v : X) v = static_cast<float>(std::max(0.0, rng.normal() + 0.3));
  std::vector<int32_t> y(static_cast<size_t>(n), 0);
  ComponentRule rule;
  rule.tau = 0.9;
  ClassEigen ce = class_eigen(X.data(), n, d, y.data(), 0, rule, EigenPath::kDirect);
  REQUIRE_FALSE(ce.gram);
  REQUIRE(ce.eigenvalues.size() == static_cast<size_t>(d));
  // Oracle: S = X^T X in double by loops, then dsyevd.
  std::vector<double> S(static_cast<size_t>(d * d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < d; ++a)
      for (int64_t b = 0; b < d; ++b) S[a * d + b] += double(X[i * d + a]) * X[i * d + b];
  std::vector<double> vecs;
  std::vector<double> ev = eigh_reference(S, d, &vecs);
  for (int64_t j = 0; j < d; ++j) {
    CHECK(std::fabs(ce.eigenvalues[j] - ev[j]) <= 1e-12 * ev[0]);
  }
  CHECK(ce.k == count_components_tau(ev, 0.9));
  CHECK(ce.k >= 2);
  CHECK(ce.rank == d);
  // Each kept vector is the reference's up to sign, and the rows are orthonormal.
  for (int j = 0; j < ce.k; ++j) {
    double dot = 0;
    for (int64_t t = 0; t < d; ++t) dot += ce.vectors[j * d + t] * vecs[j * d + t];
    CHECK(std::fabs(std::fabs(dot) - 1.0) < 1e-10);
    for (int i = 0; i <= j; ++i) {
      double g = 0;
      for (int64_t t = 0; t < d; ++t) g += ce.vectors[j * d + t] * ce.vectors[i * d + t];
      CHECK(std::fabs(g - (i == j ? 1.0 : 0.0)) < 1e-12);
    }
  }
  // Both tridiagonal eigenvector routes (MRRR for few vectors, divide and conquer for many).
  for (int fixed : {2, 5, 6, 23}) {
    ComponentRule r2;
    r2.fixed_k = fixed;
    ClassEigen f = class_eigen(X.data(), n, d, y.data(), 0, r2, EigenPath::kDirect);
    REQUIRE(f.k == fixed);
    for (int j = 0; j < f.k; ++j) {
      double dot = 0;
      for (int64_t t = 0; t < d; ++t) dot += f.vectors[j * d + t] * vecs[j * d + t];
      CHECK(std::fabs(std::fabs(dot) - 1.0) < 1e-10);
    }
  }
}

TEST_CASE("Gram path and direct path agree", "[probes]") {
  // N_c = 40 rows in d = 61 (so auto picks Gram), generic non-negative data of full row rank.
  const int64_t n = 80, d = 61;
  const std::vector<float> X = shifted_relu_rows(n, d, 11);
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] = static_cast<int32_t>(i % 2);
  for (double tau : {0.5, 0.9, 0.99}) {
    ComponentRule rule;
    rule.tau = tau;
    ClassEigen g = class_eigen(X.data(), n, d, y.data(), 1, rule, EigenPath::kAuto);
    ClassEigen r = class_eigen(X.data(), n, d, y.data(), 1, rule, EigenPath::kDirect);
    REQUIRE(g.gram);
    REQUIRE_FALSE(r.gram);
    REQUIRE(g.eigenvalues.size() == 40);
    REQUIRE(r.eigenvalues.size() == static_cast<size_t>(d));
    for (size_t j = 0; j < 40; ++j) {
      CHECK(std::fabs(g.eigenvalues[j] - r.eigenvalues[j]) <= 1e-9 * r.eigenvalues[j]);
    }
    for (size_t j = 40; j < r.eigenvalues.size(); ++j) {
      CHECK(std::fabs(r.eigenvalues[j]) <= 1e-12 * r.eigenvalues[0]);  // rank deficient
    }
    CHECK(g.rank == 40);
    CHECK(r.rank == 40);
    REQUIRE(g.k == r.k);
    CHECK(g.k > 1);
    CHECK(max_abs_diff(projector(g.vectors, g.k, d), projector(r.vectors, r.k, d)) < 1e-8);
  }
}

TEST_CASE("fixed k keeps exactly k, clamped to the rank", "[probes]") {
  testing::SubspaceData s = testing::subspace_data(60, 15, 3, 3, 21);
  for (EigenPath path : {EigenPath::kDirect, EigenPath::kGram}) {
    ComponentRule rule;
    rule.fixed_k = 2;
    ClassEigen ce = class_eigen(s.X.data(), s.n, s.d, s.y.data(), 1, rule, path);
    CHECK(ce.k == 2);
    CHECK(ce.vectors.size() == static_cast<size_t>(2 * s.d));
    rule.fixed_k = 7;  // the class spans 3 directions only
    ce = class_eigen(s.X.data(), s.n, s.d, s.y.data(), 1, rule, path);
    CHECK(ce.rank == 3);
    CHECK(ce.k == 3);
  }
}

TEST_CASE("a class with no rows or only zero rows has an empty subspace", "[probes]") {
  std::vector<float> X(4 * 3, 0.0f);
  X[0] = 1.0f;  // row 0 (class 0) is non-zero; rows 1..3 (class 1) are zero
  const std::vector<int32_t> y = {0, 1, 1, 1};
  for (EigenPath path : {EigenPath::kAuto, EigenPath::kDirect, EigenPath::kGram}) {
    ClassEigen empty = class_eigen(X.data(), 4, 3, y.data(), 2, ComponentRule{}, path);
    CHECK(empty.rows == 0);
    CHECK(empty.k == 0);
    CHECK(empty.vectors.empty());
    ClassEigen zero = class_eigen(X.data(), 4, 3, y.data(), 1, ComponentRule{}, path);
    CHECK(zero.rows == 3);
    CHECK(zero.k == 0);
    CHECK(zero.rank == 0);
    ClassEigen one = class_eigen(X.data(), 4, 3, y.data(), 0, ComponentRule{}, path);
    CHECK(one.k == 1);
    CHECK(std::fabs(std::fabs(one.vectors[0]) - 1.0) < 1e-15);
  }
}

TEST_CASE("class_eigen rejects bad arguments", "[probes]") {
  std::vector<float> X(6, 1.0f);
  std::vector<int32_t> y = {0, 0, 0};
  ComponentRule bad_tau;
  bad_tau.tau = 1.5;
  CHECK_THROWS_AS(class_eigen(X.data(), 3, 2, y.data(), 0, bad_tau), mp::Error);
  ComponentRule bad_k;
  bad_k.fixed_k = -1;
  CHECK_THROWS_AS(class_eigen(X.data(), 3, 2, y.data(), 0, bad_k), mp::Error);
  CHECK_THROWS_AS(class_eigen(X.data(), 3, 0, y.data(), 0, ComponentRule{}), mp::Error);
  y[1] = 4;
  CHECK_THROWS_AS(
      all_class_eigen(X.data(), 3, 2, y.data(), 3, ComponentRule{}, EigenPath::kAuto, true),
      mp::Error);
}

TEST_CASE("a fit records where its time went, per part and per path", "[probes]") {
  // The data of the Gram-versus-direct test: one class of 80 rows forced onto the direct path
  // with k near d (so the complement and its orthogonality bound are computed too), and a
  // class of 40 rows in d = 61 (the Gram path).
  const int64_t n = 80, d = 61;
  const std::vector<float> X = shifted_relu_rows(n, d, 11);
  std::vector<int32_t> y(static_cast<size_t>(n), 0);
  ComponentRule wide;
  wide.fixed_k = 50;
  ClassEigen r = class_eigen(X.data(), n, d, y.data(), 0, wide, EigenPath::kDirect);
  REQUIRE(r.orth_defect >= 0);  // the complement exists, so every direct part ran
  CHECK(r.seconds.moment > 0);
  CHECK(r.seconds.reduce > 0);
  CHECK(r.seconds.solve > 0);
  CHECK(r.seconds.back > 0);
  CHECK(r.seconds.defect > 0);
  CHECK(r.seconds.gram_map == 0);
  ComponentRule rule;
  std::vector<int32_t> half(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) half[static_cast<size_t>(i)] = static_cast<int32_t>(i % 2);
  ClassEigen g = class_eigen(X.data(), n, d, half.data(), 1, rule, EigenPath::kAuto);
  REQUIRE(g.gram);
  CHECK(g.seconds.gram_map > 0);
  CHECK(g.seconds.defect == 0);  // no complement on the Gram path
  FitSeconds sum = r.seconds;
  sum += g.seconds;
  CHECK(sum.total() == Approx(r.seconds.total() + g.seconds.total()).epsilon(1e-12));
  CHECK(sum.reduce == r.seconds.reduce + g.seconds.reduce);
}
