// Scoring MASC through the complement of each wide subspace (probes/masc_complement.h): the fit
// computes the other eigenvectors and bounds how far the whole set is from orthonormal; each
// complement score carries a bound against masc_scores, and predict_masc keeps argmax(masc_scores)
// row for row. The exact-tie rows below (a class and its mirror image, rows symmetric under the
// mirror) show that the bound is what makes that hold: trusting the complement scores gets some
// of them wrong.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "probe_fixtures.h"
#include "probes/class_eigen.h"
#include "probes/masc.h"
#include "probes/masc_certified.h"
#include "probes/masc_complement.h"
#include "tensor/rng.h"

using namespace mp::probes;
using testing::Blobs;
using testing::blobs;

namespace {

constexpr int64_t kTrialRowsForTest = 1024;  // predict_masc_certified's trial (masc_certified.cpp)

// ||Q Q^T - I||_F in long double for the rows of Q (n x n row-major).
double orthogonality_error(const std::vector<double>& Q, int64_t n) {
  long double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      long double dot = 0;
      for (int64_t t = 0; t < n; ++t) dot += static_cast<long double>(Q[i * n + t]) * Q[j * n + t];
      const long double e = dot - (i == j ? 1 : 0);
      s += e * e;
    }
  }
  return static_cast<double>(std::sqrt(s));
}

// Class `to` becomes class `from`'s rows with their coordinates mirrored (t -> d - 1 - t): its
// second moment is the mirror image, so a row symmetric under the mirror scores the same for both
// classes in exact arithmetic.
void mirror_class(Blobs& b, int from, int to) {
  for (int64_t i = 0; i < b.n; ++i) {
    if (b.y[i] != to) continue;
    int64_t src = i;
    while (b.y[src] != from) src = (src + 1) % b.n;
    for (int64_t t = 0; t < b.d; ++t) b.X[i * b.d + t] = b.X[src * b.d + (b.d - 1 - t)];
  }
}

}  // namespace

TEST_CASE("class_eigen: a wide subspace comes with the other eigenvectors and a sound defect bound",
          "[probes][masc]") {
  const Blobs b = blobs(600, 64, 3, 41);
  const ClassEigen ce =
      class_eigen(b.X.data(), b.n, b.d, b.y.data(), 0, ComponentRule{0.99, 50}, EigenPath::kDirect);
  REQUIRE(ce.k == 50);
  REQUIRE(ce.complement.size() == static_cast<size_t>((64 - 50) * 64));
  std::vector<double> Q = ce.vectors;
  Q.insert(Q.end(), ce.complement.begin(), ce.complement.end());
  const double measured = orthogonality_error(Q, 64);
  INFO("measured ||QQ^T - I||_F " << measured << ", bound " << ce.orth_defect);
  CHECK(ce.orth_defect >= measured);
  CHECK(ce.orth_defect < 1e-11);
  // Each complement row is an eigenvector of S_c for the eigenvalue after the kept ones.
  std::vector<double> S(64 * 64, 0.0);
  for (int64_t i = 0; i < b.n; ++i) {
    if (b.y[i] != 0) continue;
    for (int64_t s = 0; s < 64; ++s)
      for (int64_t t = 0; t < 64; ++t)
        S[s * 64 + t] += static_cast<double>(b.X[i * 64 + s]) * b.X[i * 64 + t];
  }
  for (int j = 0; j < 64 - 50; ++j) {
    const double lambda = ce.eigenvalues[static_cast<size_t>(50 + j)];
    double res = 0;
    for (int64_t s = 0; s < 64; ++s) {
      double Sv = 0;
      for (int64_t t = 0; t < 64; ++t) Sv += S[s * 64 + t] * ce.complement[j * 64 + t];
      res = std::max(res, std::fabs(Sv - lambda * ce.complement[j * 64 + s]));
    }
    INFO("complement row " << j);
    CHECK(res < 1e-10 * ce.eigenvalues[0]);
  }
  // A narrow subspace has none (scoring it directly is cheaper), nor has the Gram path.
  const ClassEigen narrow =
      class_eigen(b.X.data(), b.n, b.d, b.y.data(), 0, ComponentRule{0.99, 30}, EigenPath::kDirect);
  CHECK(narrow.complement.empty());
  CHECK(narrow.orth_defect < 0);
  const ClassEigen gram =
      class_eigen(b.X.data(), b.n, b.d, b.y.data(), 0, ComponentRule{0.99, 50}, EigenPath::kGram);
  CHECK(gram.complement.empty());
  CHECK(gram.orth_defect < 0);
}

TEST_CASE("masc_for_rule gives a narrower rule the rest of the kept vectors as its complement",
          "[probes][masc]") {
  const Blobs b = blobs(600, 64, 3, 43);
  const std::vector<ComponentRule> rules = {{0.99, 60}, {0.99, 50}, {0.99, 20}};
  const std::vector<ClassEigen> eig =
      all_class_eigen(b.X.data(), b.n, b.d, b.y.data(), b.K, rules, EigenPath::kDirect, true);
  const MascProbe wide = masc_for_rule(eig, 64, rules[1]);
  const MascProbe narrow = masc_for_rule(eig, 64, rules[2]);
  for (int c = 0; c < b.K; ++c) {
    const ClassEigen& e = eig[static_cast<size_t>(c)];
    REQUIRE(e.k == 60);
    REQUIRE(has_complement(wide, c));
    std::vector<double> want(e.vectors.begin() + 50 * 64, e.vectors.end());
    want.insert(want.end(), e.complement.begin(), e.complement.end());
    CHECK(wide.complement[c] == want);
    CHECK(wide.orth_defect[c] == e.orth_defect);
    CHECK(scores_through_complement(wide, c));
    CHECK_FALSE(has_complement(narrow, c));  // 20 kept of 64: no complement carried
  }
  CHECK(complement_pays(wide));
  CHECK_FALSE(complement_pays(narrow));
}

TEST_CASE("complement scores stay within their bound of masc_scores and predict as the double path",
          "[probes][masc]") {
  const Blobs tr = blobs(1500, 96, 5, 51), te = blobs(700, 96, 5, 52);
  MascOptions opts;
  opts.fixed_k = 80;
  const MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, opts);
  REQUIRE(complement_pays(p));
  const std::vector<double> ref = masc_scores(p, te.X.data(), te.n);
  const BoundedMascScores f = masc_scores_complement(p, te.X.data(), te.n);
  REQUIRE(f.score.size() == ref.size());
  double worst_ratio = 0, widest = 0;
  for (size_t e = 0; e < ref.size(); ++e) {
    const double err = std::fabs(f.score[e] - ref[e]);
    CHECK(err <= f.bound[e]);
    widest = std::max(widest, f.bound[e]);
    if (f.bound[e] > 0) worst_ratio = std::max(worst_ratio, err / f.bound[e]);
  }
  INFO("largest observed error / bound " << worst_ratio << ", widest bound " << widest);
  CHECK(worst_ratio > 0);  // the two forms do round differently
  CHECK(widest < 1e-9);    // and the bound stays far below real margins
  MascPredictStats stats;
  CHECK(predict_masc_certified(p, te.X.data(), te.n, &stats) ==
        predict_masc_double(p, te.X.data(), te.n));
  CHECK(stats.complement());
  CHECK(stats.rescored < te.n / 50);
  CHECK(predict_masc(p, te.X.data(), te.n) == predict_masc_double(p, te.X.data(), te.n));
}

TEST_CASE(
    "mirror-image ties are rescored and a perturbed complement misleads trust but not the bound",
    "[probes][masc]") {
  Blobs tr = blobs(900, 48, 3, 61);
  mirror_class(tr, 0, 1);
  MascOptions opts;
  opts.fixed_k = 40;
  const MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, opts);
  REQUIRE(complement_pays(p));
  // Rows symmetric under the mirror, from test rows: classes 0 and 1 tie in exact arithmetic.
  const Blobs te = blobs(1200, 48, 3, 62);
  const int64_t m = te.n, d = te.d;
  std::vector<float> T;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t t = 0; t < d; ++t)
      T.push_back(0.5f * (te.X[i * d + t] + te.X[i * d + (d - 1 - t)]));
  }
  const std::vector<double> ref = masc_scores(p, T.data(), m);
  int64_t tied = 0;  // rows whose top two are the mirror pair
  for (int64_t i = 0; i < m; ++i) tied += std::min(ref[i * 3], ref[i * 3 + 1]) > ref[i * 3 + 2];
  REQUIRE(tied > m / 4);
  MascPredictStats stats;
  CHECK(predict_masc_certified(p, T.data(), m, &stats) == predict_masc_double(p, T.data(), m));
  CHECK(stats.complement());
  CHECK(stats.rescored >= tied);  // every mirror tie lies inside the bound

  // The fitted complement rounds so close to the direct form (here within ~1e-15) that no
  // margin a float row can have falls between the two. Perturbing it by 1e-6 and re-measuring
  // its orthogonality defect makes the bound do the work: rows one float ulp off the mirror
  // (margins ~1e-8) are then misjudged by the complement scores, and must be caught.
  MascProbe q = p;
  mp::Rng rng(63);
  for (int c = 0; c < q.num_classes; ++c) {
    for (double& v : q.complement[c]) v += 1e-6 * rng.normal();
    q.orth_defect[c] = orthogonality_defect(q.basis[c], q.complement[c], d);
    CHECK(q.orth_defect[c] > 1e-6);
  }
  std::vector<float> U = T;
  for (int64_t i = 0; i < m; ++i) {
    float& x = U[i * d + (i * 7) % d];
    x = std::nextafter(x, 2 * x + 1);
  }
  const std::vector<double> uref = masc_scores(q, U.data(), m);
  const BoundedMascScores f = masc_scores_complement(q, U.data(), m);
  int64_t outside = 0;
  for (size_t e = 0; e < uref.size(); ++e) outside += std::fabs(f.score[e] - uref[e]) > f.bound[e];
  CHECK(outside == 0);
  const std::vector<int32_t> want = predict_masc_double(q, U.data(), m);
  CHECK(predict_masc_certified(q, U.data(), m, nullptr) == want);
  const std::vector<int32_t> trusting = predict_masc_certified(q, U.data(), m, nullptr, 0.0);
  int64_t wrong = 0;
  for (int64_t i = 0; i < m; ++i) wrong += trusting[i] != want[i];
  INFO(wrong << " of " << m << " rows wrong when the perturbed complement scores are trusted");
  CHECK(wrong > 0);
}

TEST_CASE("check_masc_probe refuses a complement of the wrong size", "[probes][masc]") {
  const Blobs b = blobs(300, 24, 2, 71);
  MascOptions opts;
  opts.fixed_k = 20;
  MascProbe p = fit_masc(b.X.data(), b.n, b.d, b.y.data(), b.K, opts);
  REQUIRE(has_complement(p, 1));
  p.complement[1].pop_back();
  CHECK_THROWS_WITH(masc_scores_complement(p, b.X.data(), b.n),
                    Catch::Contains("class 1 complement holds"));
  p.orth_defect.pop_back();
  CHECK_THROWS_WITH(predict_masc(p, b.X.data(), b.n), Catch::Contains("orth_defect for 1 of 2"));
}

TEST_CASE("float complement scores stay within their bound of masc_scores, perturbed or not",
          "[probes][masc]") {
  const Blobs tr = blobs(1500, 96, 5, 91), te = blobs(700, 96, 5, 92);
  MascOptions opts;
  opts.fixed_k = 80;
  MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, opts);
  REQUIRE(complement_pays(p));
  for (int round = 0; round < 2; ++round) {
    INFO((round == 0 ? "as fitted" : "complement perturbed by 1e-6, defect re-measured"));
    const std::vector<double> ref = masc_scores(p, te.X.data(), te.n);
    const BoundedMascScores f = masc_scores_complement_float(p, te.X.data(), te.n);
    const BoundedMascScores g = masc_scores_complement(p, te.X.data(), te.n);
    REQUIRE(f.score.size() == ref.size());
    double worst_ratio = 0, widest = 0;
    int64_t outside = 0;
    for (size_t e = 0; e < ref.size(); ++e) {
      const double err = std::fabs(f.score[e] - ref[e]);
      outside += err > f.bound[e];
      widest = std::max(widest, f.bound[e]);
      if (f.bound[e] > 0) worst_ratio = std::max(worst_ratio, err / f.bound[e]);
      CHECK(f.bound[e] >= g.bound[e]);  // float rounding only adds to the double path's bound
    }
    INFO("largest observed error / bound " << worst_ratio << ", widest bound " << widest);
    CHECK(outside == 0);
    CHECK(worst_ratio > 0);
    CHECK(widest < 1e-3);  // far below these classes' margins: most rows decided in float
    MascPredictStats stats;
    CHECK(predict_masc_certified(p, te.X.data(), te.n, &stats) ==
          predict_masc_double(p, te.X.data(), te.n));
    CHECK(stats.scorer == "complement-float");
    CHECK(stats.rescored < te.n / 10);
    mp::Rng rng(93);
    for (int c = 0; c < p.num_classes; ++c) {
      for (double& v : p.complement[c]) v += 1e-6 * rng.normal();
      p.orth_defect[c] = orthogonality_defect(p.basis[c], p.complement[c], p.dim);
    }
  }
}

TEST_CASE("predict_masc prices its scorers on a trial and keeps the double argmax on each",
          "[probes][masc]") {
  const Blobs tr = blobs(1500, 96, 5, 81), te = blobs(3000, 96, 5, 82);
  MascOptions opts;
  opts.fixed_k = 70;
  MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, opts);
  for (int c = 0; c < p.num_classes; ++c) REQUIRE(has_complement(p, c));
  REQUIRE(complement_work_ratio(p) <= 0.5);
  const std::vector<int32_t> want = predict_masc_double(p, te.X.data(), te.n);
  const auto run = [&](const MascProbe& q, double scale) {
    MascPredictStats st;
    CHECK(predict_masc_certified(q, te.X.data(), te.n, &st, scale) == want);
    CHECK(st.rows == te.n);
    return st;
  };
  // Well-separated rows: the float trial through the complements decides them, so the float
  // pass goes on (half the double complement's cost).
  MascPredictStats st = run(p, 1.0);
  CHECK(st.scorer == "complement-float");
  CHECK(st.rescored < te.n / 20);
  // Bounds scaled up until the float trial decides nothing: the rest in double through the
  // complements, whose bound (1e9 x ~1e-15) still decides them.
  st = run(p, 1e9);
  CHECK(st.scorer == "complement");
  CHECK(st.rescored < kTrialRowsForTest + te.n / 20);

  // Three classes without one (as where k_c < 2d/3): 262 of 350 directions, still paying.
  MascProbe mixed = p;
  for (int c : {0, 2, 4}) {
    mixed.complement[c].clear();
    mixed.orth_defect[c] = -1;
  }
  REQUIRE(complement_work_ratio(mixed) > 0.5);
  REQUIRE(complement_pays(mixed));
  CHECK(run(mixed, 1.0).scorer == "complement-float");

  // No complement at all: the float pass on the bases, or masc_scores itself when the trial
  // shows the float bound deciding too few rows.
  MascProbe none = p;
  for (int c = 0; c < none.num_classes; ++c) {
    none.complement[c].clear();
    none.orth_defect[c] = -1;
  }
  REQUIRE_FALSE(complement_pays(none));
  st = run(none, 1.0);
  CHECK(st.scorer == "float");
  CHECK_FALSE(st.complement());
  st = run(none, 1e9);
  CHECK(st.scorer == "double");
  CHECK(st.rescored == te.n);
}
