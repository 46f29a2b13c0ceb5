// MASC: exact recovery of known class subspaces, the quadratic-form identity against an
// independent computation, edge conventions, and golden values from the numpy peer.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <vector>

#include "golden_tiny.h"
#include "probe_fixtures.h"
#include "probes/masc.h"
#include "probes/metrics.h"
#include "probes/projection.h"
#include "tensor/check.h"

using namespace mp::probes;
using mp::probes::testing::max_abs_diff;
using mp::probes::testing::min_top2_margin;
using mp::probes::testing::projector;
using namespace mp::probes::golden;

TEST_CASE("MASC matches the numpy peer on the golden tiny case", "[probes]") {
  const std::vector<int32_t> y = golden_labels();
  struct Golden {
    double tau;
    std::vector<int> k;
    std::vector<int32_t> test_pred, train_pred;
  };
  const Golden golden[] = {
      {0.5, {1, 1, 1}, {0, 1, 0, 0, 1, 0, 2, 0, 0, 2, 1, 2}, {0, 1, 2, 0, 1, 2, 0, 2, 2, 2,
                                                              1, 0, 1, 0, 0, 0, 1, 0, 1, 1,
                                                              0, 0, 0, 2, 2, 2, 1, 0, 1, 2}},
      {0.8, {1, 2, 1}, {0, 1, 0, 0, 1, 0, 2, 0, 0, 2, 1, 2}, {1, 1, 2, 0, 1, 2, 0, 1, 2, 1,
                                                              1, 1, 1, 1, 0, 0, 1, 0, 1, 1,
                                                              1, 0, 0, 2, 2, 2, 1, 0, 1, 2}},
      {0.9, {2, 2, 2}, {0, 1, 0, 0, 1, 0, 2, 0, 0, 2, 1, 2}, {0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
                                                              1, 1, 0, 1, 0, 0, 1, 0, 1, 1,
                                                              0, 0, 0, 2, 2, 2, 1, 0, 1, 2}},
      {0.99, {4, 4, 4}, {0, 1, 0, 0, 1, 0, 0, 0, 0, 2, 2, 2}, {1, 1, 2, 0, 1, 2, 0, 0, 2, 0,
                                                               1, 2, 0, 1, 0, 0, 1, 0, 0, 1,
                                                               1, 0, 1, 2, 0, 2, 2, 0, 1, 2}},
  };
  for (const Golden& g : golden) {
    for (EigenPath path : {EigenPath::kDirect, EigenPath::kGram}) {
      MascOptions opts;
      opts.tau = g.tau;
      opts.path = path;
      MascProbe p = fit_masc(kTrain.data(), 30, 6, y.data(), 3, opts);
      CHECK(p.k == g.k);
      CHECK(predict_masc(p, kTest.data(), 12) == g.test_pred);
      CHECK(predict_masc(p, kTrain.data(), 30) == g.train_pred);
    }
  }
  // Peer eigenvalues of S_0 (np.linalg.eigvalsh, descending).
  MascProbe p = fit_masc(kTrain.data(), 30, 6, y.data(), 3, {});
  const double s0[] = {39.95445076018617,  3.9864492750295573, 1.9650160429267038,
                       0.8209407481004523, 0.2675408487097303, 0.04080078232123339};
  for (int j = 0; j < 6; ++j) CHECK(p.eigenvalues[0][j] == Approx(s0[j]).epsilon(1e-12));
}

TEST_CASE("MASC recovers known class subspaces exactly", "[probes]") {
  // 4 classes, each spanning exactly 3 orthonormal directions (mutually orthogonal) in d = 20.
  testing::SubspaceData tr = testing::subspace_data(120, 20, 4, 3, 7);
  testing::SubspaceData te = testing::subspace_data(80, 20, 4, 3, 8, &tr.Q);
  MascOptions opts;
  opts.tau = 0.999999;
  for (EigenPath path : {EigenPath::kAuto, EigenPath::kDirect, EigenPath::kGram}) {
    opts.path = path;
    MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), 4, opts);
    CHECK(p.k == std::vector<int>{3, 3, 3, 3});
    CHECK(accuracy(predict_masc(p, te.X.data(), te.n), te.y.data(), te.n) == 1.0);
    // The fitted subspace is the true one: projectors agree (float32 data limits this to ~1e-7).
    for (int c = 0; c < 4; ++c) {
      std::vector<double> Qc(tr.Q.begin() + c * 3 * 20, tr.Q.begin() + (c + 1) * 3 * 20);
      CHECK(max_abs_diff(projector(p.basis[c], 3, 20), projector(Qc, 3, 20)) < 1e-6);
    }
    // In-class rows score 1, other classes 0 (orthogonal subspaces).
    std::vector<double> s = masc_scores(p, te.X.data(), te.n);
    for (int64_t i = 0; i < te.n; ++i) {
      for (int c = 0; c < 4; ++c) {
        CHECK(s[i * 4 + c] == Approx(c == te.y[i] ? 1.0 : 0.0).margin(1e-6));
      }
    }
  }
}

TEST_CASE("MASC scores equal the quadratic form x^T V^T V x / x^T x", "[probes]") {
  mp::Rng rng(3);
  const int64_t n = 90, d = 17, m = 25;
  std::vector<float> X(static_cast<size_t>(n * d)), T(static_cast<size_t>(m * d));
  for (auto& v : X) v = static_cast<float>(std::max(0.0, rng.normal()));
  for (auto& v : T) v = static_cast<float>(rng.normal());  // signed, off the training cone
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] = static_cast<int32_t>((i * 5) % 4);
  MascOptions opts;
  opts.tau = 0.8;
  MascProbe p = fit_masc(X.data(), n, d, y.data(), 4, opts);
  const std::vector<double> fast = masc_scores(p, T.data(), m);
  const std::vector<double> ref = masc_scores_reference(p, T.data(), m);
  CHECK(max_abs_diff(fast, ref) < 1e-13);
  for (double s : fast) CHECK((s >= 0.0 && s <= 1.0 + 1e-12));
  REQUIRE(min_top2_margin(ref, m, 4) > 2e-13);  // so the argmax cannot differ
  CHECK(predict_masc(p, T.data(), m) == argmax_rows(ref.data(), m, 4));
}

TEST_CASE("projection blocks match the plain twin across block boundaries", "[probes]") {
  mp::Rng rng(9);
  const int64_t n = 23, d = 11, R = 5;
  std::vector<float> X(static_cast<size_t>(n * d));
  std::vector<double> W(static_cast<size_t>(R * d));
  for (auto& v : X) v = static_cast<float>(rng.normal());
  for (auto& v : W) v = rng.normal();
  const std::vector<double> ref = project_reference(X.data(), n, d, W.data(), R);
  std::vector<double> got(static_cast<size_t>(n * R), -1.0), sq(static_cast<size_t>(n), -1.0);
  std::atomic<int> blocks{0};  // blocks may run on several threads
  for_each_projection_block(
      X.data(), n, d, W.data(), R,
      [&](int64_t r0, int64_t nb, const double* P, const double* s) {
        ++blocks;
        std::copy(P, P + nb * R, got.begin() + r0 * R);
        std::copy(s, s + nb, sq.begin() + r0);
      },
      4);
  CHECK(blocks == 6);
  CHECK(max_abs_diff(got, ref) < 1e-12);
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t t = 0; t < d; ++t) s += double(X[i * d + t]) * X[i * d + t];
    CHECK(sq[i] == Approx(s).epsilon(1e-15));
  }
}

TEST_CASE("MASC edge conventions: x = 0, ties, empty class, fixed k", "[probes]") {
  testing::SubspaceData tr = testing::subspace_data(60, 12, 3, 2, 31);
  SECTION("x = 0 gives class 0 and zero scores, never NaN") {
    MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), 3, {});
    std::vector<float> zero(12, 0.0f);
    std::vector<double> s = masc_scores(p, zero.data(), 1);
    for (double v : s) CHECK(v == 0.0);
    CHECK(predict_masc(p, zero.data(), 1) == std::vector<int32_t>{0});
  }
  SECTION("identical class subspaces tie -> lowest index") {
    // Classes 1 and 2 get exactly the same rows, so their subspaces and scores are identical,
    // on every BLAS kernel: identical classes go through identical calls (one dgemm per class,
    // probes/projection.h; tests/probes/test_class_ties.cpp covers NCM and the linear probe).
    std::vector<float> X;
    std::vector<int32_t> y;
    for (int64_t i = 0; i < tr.n; ++i) {
      if (tr.y[i] == 2) continue;
      const float* r = tr.X.data() + i * tr.d;
      for (int copy = 0; copy < (tr.y[i] == 1 ? 2 : 1); ++copy) {
        X.insert(X.end(), r, r + tr.d);
        y.push_back(tr.y[i] == 1 ? 1 + copy : 0);
      }
    }
    MascOptions serial;
    serial.parallel_classes = false;
    for (const MascOptions& o : {MascOptions{}, serial}) {
      MascProbe p = fit_masc(X.data(), static_cast<int64_t>(y.size()), tr.d, y.data(), 3, o);
      std::vector<double> s = masc_scores(p, tr.X.data() + 1 * tr.d, 1);  // a class-1 row
      REQUIRE(s[1] == s[2]);
      CHECK(s[1] > s[0]);
      CHECK(predict_masc(p, tr.X.data() + 1 * tr.d, 1) == std::vector<int32_t>{1});
    }
  }
  SECTION("a class with no rows has k = 0, scores 0, and is never predicted") {
    MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), 5, {});
    CHECK(p.k[3] == 0);
    CHECK(p.k[4] == 0);
    CHECK(p.class_rows[4] == 0);
    std::vector<double> s = masc_scores(p, tr.X.data(), tr.n);
    for (int64_t i = 0; i < tr.n; ++i) {
      CHECK(s[i * 5 + 3] == 0.0);
      CHECK(s[i * 5 + 4] == 0.0);
    }
    CHECK(accuracy(predict_masc(p, tr.X.data(), tr.n), tr.y.data(), tr.n) == 1.0);
  }
  SECTION("fixed k") {
    MascOptions o;
    o.fixed_k = 1;
    MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), 3, o);
    CHECK(p.k == std::vector<int>{1, 1, 1});
    for (int c = 0; c < 3; ++c) CHECK(p.basis[c].size() == 12u);
  }
  SECTION("bad input throws") {
    std::vector<int32_t> y = tr.y;
    y[5] = -1;
    CHECK_THROWS_AS(fit_masc(tr.X.data(), tr.n, tr.d, y.data(), 3, {}), mp::Error);
    MascProbe unfitted;
    CHECK_THROWS_AS(predict_masc(unfitted, tr.X.data(), 1), mp::Error);
  }
}

TEST_CASE("MASC: parallel and serial class fitting agree", "[probes]") {
  mp::Rng rng(13);
  const int64_t n = 200, d = 30;
  std::vector<float> X(static_cast<size_t>(n * d));
  for (auto& v : X) v = static_cast<float>(std::max(0.0, rng.normal() + 0.1));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (auto& v : y) v = static_cast<int32_t>(rng.randint(4));
  MascOptions a, b;
  b.parallel_classes = false;
  MascProbe pa = fit_masc(X.data(), n, d, y.data(), 4, a);
  MascProbe pb = fit_masc(X.data(), n, d, y.data(), 4, b);
  CHECK(pa.k == pb.k);
  for (int c = 0; c < 4; ++c) {
    CHECK(max_abs_diff(projector(pa.basis[c], pa.k[c], d), projector(pb.basis[c], pb.k[c], d)) <
          1e-10);
  }
  // The two fits round differently (one thread per class vs threaded BLAS per class), so the
  // predictions are compared where the scores leave no doubt: scores of a unit-norm row differ
  // by at most the projectors' difference in spectral norm, <= d * 1e-10 = 3e-9.
  const std::vector<double> sa = masc_scores(pa, X.data(), n), sb = masc_scores(pb, X.data(), n);
  CHECK(max_abs_diff(sa, sb) < 3e-9);
  REQUIRE(min_top2_margin(sa, n, 4) > 6e-9);
  CHECK(predict_masc(pa, X.data(), n) == predict_masc(pb, X.data(), n));
}

TEST_CASE("MASC: Gram and direct paths give identical predictions", "[probes]") {
  // 4 classes of 25 rows in d = 64 (N_c < d): generic non-negative data, signed test rows.
  mp::Rng rng(17);
  const int64_t n = 100, d = 64, m = 200;
  std::vector<float> X(static_cast<size_t>(n * d)), T(static_cast<size_t>(m * d));
  for (auto& v : X) v = static_cast<float>(std::max(0.0, rng.normal() + 0.3));
  for (auto& v : T) v = static_cast<float>(std::max(0.0, rng.normal() + 0.3));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] = static_cast<int32_t>(i % 4);
  for (double tau : {0.7, 0.95}) {
    MascOptions g, r;
    g.tau = r.tau = tau;
    g.path = EigenPath::kGram;
    r.path = EigenPath::kDirect;
    MascProbe pg = fit_masc(X.data(), n, d, y.data(), 4, g);
    MascProbe pr = fit_masc(X.data(), n, d, y.data(), 4, r);
    CHECK(pg.gram == std::vector<char>{1, 1, 1, 1});
    CHECK(pr.gram == std::vector<char>{0, 0, 0, 0});
    CHECK(pg.k == pr.k);
    // Two algorithms, so scores agree to rounding (1e-9), and predictions wherever the top two
    // scores are further apart than twice that.
    const std::vector<double> tg = masc_scores(pg, T.data(), m), tr = masc_scores(pr, T.data(), m);
    const std::vector<double> xg = masc_scores(pg, X.data(), n), xr = masc_scores(pr, X.data(), n);
    CHECK(max_abs_diff(tg, tr) < 1e-9);
    CHECK(max_abs_diff(xg, xr) < 1e-9);
    REQUIRE(min_top2_margin(tr, m, 4) > 2e-9);
    REQUIRE(min_top2_margin(xr, n, 4) > 2e-9);
    CHECK(predict_masc(pg, T.data(), m) == predict_masc(pr, T.data(), m));
    CHECK(predict_masc(pg, X.data(), n) == predict_masc(pr, X.data(), n));
  }
}
