// The linear probe (docs/method.md §9): top eigenvector per class, sign fix over all rows, argmax.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "golden_tiny.h"
#include "probe_fixtures.h"
#include "probes/linear_probe.h"
#include "probes/metrics.h"
#include "tensor/check.h"

using namespace mp::probes;
using mp::probes::testing::max_abs_diff;

TEST_CASE("linear probe matches the numpy peer's W and predictions (golden tiny case)",
          "[probes]") {
  // The training set of the MASC golden case (golden_tiny.h); W and predictions from the
  // peer's linear_fit, predictions = argmax(x @ W.T).
  const std::vector<float>& X = golden::kTrain;
  const std::vector<int32_t> y = golden::golden_labels();
  const std::vector<double> W_peer = {
      0.04234450396434995, 0.02992247905744161,  0.6586129470932909,  0.13292478930942525,
      0.5088572469566974,  0.5356639588014637,   0.5547622459106923,  0.022575205257981512,
      0.7014512139524132,  0.035452771945696966, 0.44543171444817503, 0.00539386591379037,
      0.4020472942049773,  0.3335170509471387,   0.15719906476119586, 0.8109051168021674,
      0.21160071164068756, 0.008416315429179432};
  const std::vector<int32_t> train_pred = {0, 1, 2, 0, 1, 2, 0, 2, 2, 2, 1, 0, 1, 0, 0,
                                           0, 1, 0, 1, 1, 0, 0, 0, 2, 2, 2, 1, 0, 1, 2};
  for (EigenPath path : {EigenPath::kDirect, EigenPath::kGram}) {
    LinearProbe p = fit_linear_probe(X.data(), 30, 6, y.data(), 3, path);
    for (size_t i = 0; i < W_peer.size(); ++i) CHECK(p.W[i] == Approx(W_peer[i]).margin(1e-12));
    CHECK(predict_linear(p, X.data(), 30) == train_pred);
  }
}

TEST_CASE("linear probe classifies orthogonal non-negative class subspaces exactly", "[probes]") {
  testing::SubspaceData tr = testing::subspace_data(150, 24, 5, 3, 41);
  testing::SubspaceData te = testing::subspace_data(100, 24, 5, 3, 42, &tr.Q);
  for (EigenPath path : {EigenPath::kAuto, EigenPath::kDirect, EigenPath::kGram}) {
    LinearProbe p = fit_linear_probe(tr.X.data(), tr.n, tr.d, tr.y.data(), 5, path);
    CHECK(accuracy(predict_linear(p, te.X.data(), te.n), te.y.data(), te.n) == 1.0);
    for (int c = 0; c < 5; ++c) {
      double n2 = 0;
      for (int64_t t = 0; t < tr.d; ++t) n2 += p.W[c * tr.d + t] * p.W[c * tr.d + t];
      CHECK(n2 == Approx(1.0).epsilon(1e-14));
    }
  }
}

TEST_CASE("sign fix flips a negated top eigenvector back", "[probes]") {
  // Rows along +e0 (class 0) and +e1 (class 1): mean projection on +e_c is positive.
  const std::vector<float> X = {2, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1, 0};
  std::vector<ClassEigen> eig(2);
  for (int c = 0; c < 2; ++c) {
    eig[c].dim = 3;
    eig[c].k = 1;
    eig[c].vectors = {0.0, 0.0, 0.0};
    eig[c].vectors[static_cast<size_t>(c)] = c == 0 ? -1.0 : 1.0;  // class 0 arrives negated
  }
  LinearProbe p = linear_from_eigen(eig, X.data(), 4, 3);
  CHECK(p.W == std::vector<double>{1, 0, 0, 0, 1, 0});
  // And through the full fit, whatever sign LAPACK returns, m_c = mean_i v_c . x_i >= 0.
  const std::vector<int32_t> y = {0, 0, 1, 1};
  LinearProbe f = fit_linear_probe(X.data(), 4, 3, y.data(), 2);
  const std::vector<double> mean = column_means(X.data(), 4, 3);
  for (int c = 0; c < 2; ++c) {
    double m = 0;
    for (int t = 0; t < 3; ++t) m += f.W[c * 3 + t] * mean[static_cast<size_t>(t)];
    CHECK(m > 0);
  }
  // A vector whose mean projection is negative when the class mean points elsewhere: the sign
  // is decided by ALL rows, not the class's own rows.
  const std::vector<float> X2 = {1, 0, 1, 0, -5, 0};  // rows (1,0), (1,0), (-5,0)
  std::vector<ClassEigen> e2(1);
  e2[0].dim = 2;
  e2[0].k = 1;
  e2[0].vectors = {1.0, 0.0};
  LinearProbe p2 = linear_from_eigen(e2, X2.data(), 3, 2);
  CHECK(p2.W == std::vector<double>{-1.0, 0.0});
}

TEST_CASE("fit_masc_and_linear equals the separate fits", "[probes]") {
  mp::Rng rng(77);
  const int64_t n = 150, d = 19;
  std::vector<float> X(static_cast<size_t>(n * d));
  for (auto& v : X) v = static_cast<float>(std::max(0.0, rng.normal() + 0.2));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (auto& v : y) v = static_cast<int32_t>(rng.randint(3));
  MascOptions o;
  o.tau = 0.9;
  MascAndLinear both = fit_masc_and_linear(X.data(), n, d, y.data(), 3, o);
  MascProbe m = fit_masc(X.data(), n, d, y.data(), 3, o);
  LinearProbe l = fit_linear_probe(X.data(), n, d, y.data(), 3);
  CHECK(both.masc.k == m.k);
  CHECK(max_abs_diff(both.linear.W, l.W) < 1e-12);
  CHECK(predict_masc(both.masc, X.data(), n) == predict_masc(m, X.data(), n));
  CHECK(predict_linear(both.linear, X.data(), n) == predict_linear(l, X.data(), n));
  // The linear direction is MASC's first basis vector up to sign.
  for (int c = 0; c < 3; ++c) {
    double dot = 0;
    for (int64_t t = 0; t < d; ++t) dot += both.linear.W[c * d + t] * both.masc.basis[c][t];
    CHECK(std::fabs(dot) == Approx(1.0).epsilon(1e-14));
  }
}

TEST_CASE("linear probe conventions: empty class, x = 0, ties", "[probes]") {
  testing::SubspaceData tr = testing::subspace_data(40, 8, 2, 2, 51);
  LinearProbe p = fit_linear_probe(tr.X.data(), tr.n, tr.d, tr.y.data(), 3);
  for (int64_t t = 0; t < tr.d; ++t) CHECK(p.W[2 * tr.d + t] == 0.0);  // class 2 has no rows
  std::vector<float> zero(8, 0.0f);
  CHECK(predict_linear(p, zero.data(), 1) == std::vector<int32_t>{0});
  // Two identical rows of W tie -> the lower index wins.
  LinearProbe t;
  t.num_classes = 3;
  t.dim = 2;
  t.W = {0, 1, 1, 0, 1, 0};
  const std::vector<float> x = {1.0f, 0.5f};
  CHECK(predict_linear(t, x.data(), 1) == std::vector<int32_t>{1});
  LinearProbe bad;
  CHECK_THROWS_AS(predict_linear(bad, x.data(), 1), mp::Error);
}
