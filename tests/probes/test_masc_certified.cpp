// predict_masc scores in float32 and proves each decided row against the double path
// (probes/masc_certified.h). These tests hold it to argmax(masc_scores) row for row, check the
// bound against the double scores entry by entry, and show that the near-tie rows used here
// really test the bound: trusting the float scores alone gets some of them wrong.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "probe_fixtures.h"
#include "probes/masc.h"
#include "probes/masc_certified.h"
#include "probes/projection.h"
#include "tensor/threads.h"

using namespace mp::probes;
using testing::Blobs;
using testing::blobs;

namespace {

std::vector<double> row_scores(const MascProbe& p, const std::vector<float>& x) {
  return masc_scores(p, x.data(), 1);
}

// Rows on segments between two rows of different double-precision classes, packed around the
// point where the two top scores cross: their margins run from about 1e-4 down to the rounding
// of the float rows themselves, many inside the float scores' error.
std::vector<float> near_tie_rows(const MascProbe& p, const std::vector<float>& X, int64_t n,
                                 int pairs) {
  const int64_t d = p.dim;
  const std::vector<int32_t> cls = predict_masc_double(p, X.data(), n);
  std::vector<float> out;
  int made = 0;
  for (int64_t i = 0; i + 1 < n && made < pairs; ++i) {
    const int64_t j = i + 1;
    const int a = cls[static_cast<size_t>(i)], b = cls[static_cast<size_t>(j)];
    if (a == b) continue;
    auto point = [&](double t) {
      std::vector<float> x(static_cast<size_t>(d));
      for (int64_t u = 0; u < d; ++u)
        x[u] = static_cast<float>((1 - t) * X[i * d + u] + t * X[j * d + u]);
      return x;
    };
    auto margin = [&](double t) {
      const std::vector<double> s = row_scores(p, point(t));
      return s[static_cast<size_t>(a)] - s[static_cast<size_t>(b)];
    };
    double lo = 0, hi = 1;
    if (!(margin(lo) > 0 && margin(hi) < 0)) continue;  // another class wins in between
    for (int it = 0; it < 60; ++it) {
      const double mid = 0.5 * (lo + hi);
      (margin(mid) > 0 ? lo : hi) = mid;
    }
    for (int s = -40; s <= 40; ++s) {
      const double t = lo + s * 2e-7 * std::abs(s) / 40.0;  // denser near the crossing
      const std::vector<float> x = point(t);
      out.insert(out.end(), x.begin(), x.end());
    }
    ++made;
  }
  return out;
}

}  // namespace

TEST_CASE("certified MASC predictions equal the double path row for row and the bound holds",
          "[probes][masc]") {
  const Blobs tr = blobs(1200, 256, 6, 11), te = blobs(600, 256, 6, 12);
  const MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, {});
  for (int c = 0; c < tr.K; ++c) CHECK(p.k[c] > 20);  // many components: float error adds up
  const std::vector<double> ref = masc_scores(p, te.X.data(), te.n);
  const BoundedMascScores f = masc_scores_float(p, te.X.data(), te.n);
  REQUIRE(f.score.size() == ref.size());
  double worst_ratio = 0;  // observed error / bound: must stay <= 1
  for (size_t e = 0; e < ref.size(); ++e) {
    const double err = std::fabs(f.score[e] - ref[e]);
    CHECK(err <= f.bound[e]);
    if (f.bound[e] > 0) worst_ratio = std::max(worst_ratio, err / f.bound[e]);
  }
  INFO("largest observed error / bound " << worst_ratio);
  CHECK(worst_ratio > 0);  // the float scores do differ from the double ones
  MascPredictStats stats;
  CHECK(predict_masc_certified(p, te.X.data(), te.n, &stats) ==
        predict_masc_double(p, te.X.data(), te.n));
  CHECK(stats.rows == te.n);
  // The point of the float path: most rows are decided without the double rescoring.
  CHECK(stats.rescored < te.n / 4);
  CHECK(predict_masc(p, te.X.data(), te.n) == predict_masc_double(p, te.X.data(), te.n));
}

TEST_CASE("near-tie rows: the bound sends them to the double path, trusting float gets some wrong",
          "[probes][masc]") {
  const Blobs tr = blobs(1200, 384, 4, 21), te = blobs(200, 384, 4, 22);
  const MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, {});
  const std::vector<float> T = near_tie_rows(p, te.X, te.n, 12);
  const int64_t m = static_cast<int64_t>(T.size()) / p.dim;
  REQUIRE(m >= 5 * 81);
  const std::vector<int32_t> want = predict_masc_double(p, T.data(), m);
  MascPredictStats stats;
  CHECK(predict_masc_certified(p, T.data(), m, &stats) == want);
  // Rows this close to a tie are mostly rescored, but not all: far ends are decided in float.
  CHECK(stats.rescored > m / 2);
  CHECK(stats.rescored < m);
  // Trusting the float scores (bound 0) gets some rows wrong: the set probes the bound.
  const std::vector<int32_t> trusting = predict_masc_certified(p, T.data(), m, nullptr, 0.0);
  int64_t wrong = 0;
  for (int64_t i = 0; i < m; ++i) wrong += trusting[i] != want[i];
  INFO(wrong << " of " << m << " near-tie rows wrong when the float scores are trusted");
  CHECK(wrong > 0);
  // Every entry still within its bound.
  const std::vector<double> ref = masc_scores(p, T.data(), m);
  const BoundedMascScores f = masc_scores_float(p, T.data(), m);
  int64_t outside = 0;
  for (size_t e = 0; e < ref.size(); ++e) outside += std::fabs(f.score[e] - ref[e]) > f.bound[e];
  CHECK(outside == 0);
}

TEST_CASE("certified MASC keeps the conventions: x = 0, identical classes, empty class, NaN",
          "[probes][masc]") {
  testing::SubspaceData tr = testing::subspace_data(90, 24, 3, 3, 5);
  // Class 2 gets class 0's rows: identical bases, so exact ties that must go to class 0.
  for (int64_t i = 0; i < tr.n; ++i) {
    if (tr.y[i] == 2) {
      const int64_t src = i - 2;  // the class-0 row two before (rows cycle 0, 1, 2)
      std::copy(tr.X.begin() + src * tr.d, tr.X.begin() + (src + 1) * tr.d,
                tr.X.begin() + i * tr.d);
    }
  }
  std::vector<int32_t> y4 = tr.y;
  MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, y4.data(), 4, {});  // class 3: no rows
  REQUIRE(p.k[3] == 0);
  std::vector<float> T(tr.X.begin(), tr.X.begin() + 12 * tr.d);
  std::vector<float> extra(static_cast<size_t>(2 * tr.d), 0.0f);  // x = 0, then a NaN row
  extra[static_cast<size_t>(tr.d)] = std::numeric_limits<float>::quiet_NaN();
  T.insert(T.end(), extra.begin(), extra.end());
  const int64_t m = static_cast<int64_t>(T.size()) / tr.d;
  const std::vector<int32_t> want = predict_masc_double(p, T.data(), m);
  MascPredictStats stats;
  const std::vector<int32_t> got = predict_masc_certified(p, T.data(), m, &stats);
  CHECK(got == want);
  CHECK(got[static_cast<size_t>(m - 2)] == 0);  // x = 0
  for (int64_t i = 0; i < 12; ++i) {
    INFO("row " << i << " of class " << tr.y[i]);
    CHECK(got[i] != 2);  // class 2 always ties class 0 exactly, and the tie goes to 0
    CHECK(got[i] != 3);  // the empty class scores 0
  }
  // The rows of class 0 (= class 2) tie exactly, so they, x = 0 and NaN are all rescored.
  CHECK(stats.rescored >= 4 + 4 + 2);
}

TEST_CASE("masc_class_scores is masc_scores' column bit for bit, on any subset of the rows",
          "[probes][masc]") {
  const Blobs tr = blobs(600, 96, 5, 31), te = blobs(257, 96, 5, 32);
  const MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, {});
  // One thread projects all 257 rows in one dgemm, two threads in halves: the subset's rows sit
  // at other positions of the kernel's row tiles either way (before rows were padded to full
  // tiles, Haswell's and Prescott's dgemm failed this at one thread).
  const int before = mp::num_threads();
  for (int threads : {1, 2}) {
    mp::set_num_threads(threads);
    const std::vector<double> all = masc_scores(p, te.X.data(), te.n);
    // Every third row, as the rescoring gathers them: other neighbours, other block positions.
    std::vector<float> sub;
    std::vector<int64_t> idx;
    for (int64_t i = 1; i < te.n; i += 3) {
      idx.push_back(i);
      sub.insert(sub.end(), te.X.begin() + i * te.d, te.X.begin() + (i + 1) * te.d);
    }
    for (int c = 0; c < te.K; ++c) {
      const std::vector<double> col = masc_class_scores(p, c, te.X.data(), te.n);
      const std::vector<double> part =
          masc_class_scores(p, c, sub.data(), static_cast<int64_t>(idx.size()));
      int64_t differ = 0;
      for (int64_t i = 0; i < te.n; ++i) differ += col[i] != all[i * te.K + c];
      for (size_t r = 0; r < idx.size(); ++r) differ += part[r] != all[idx[r] * te.K + c];
      INFO("class " << c << ", " << threads << " thread(s)");
      CHECK(differ == 0);
    }
  }
  mp::set_num_threads(before);
}

TEST_CASE("certified MASC: when the trial rows are mostly undecided the rest go straight to double",
          "[probes][masc]") {
  const Blobs tr = blobs(1200, 384, 4, 21), te = blobs(200, 384, 4, 22),
              more = blobs(2500, 384, 4, 23);
  const MascProbe p = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), tr.K, {});
  // Near-tie rows first (most of the 1,024 trial rows undecided), then ordinary rows.
  std::vector<float> T = near_tie_rows(p, te.X, te.n, 12);
  const int64_t ties = static_cast<int64_t>(T.size()) / p.dim;
  REQUIRE(ties >= 900);
  T.insert(T.end(), more.X.begin(), more.X.end());
  const int64_t m = static_cast<int64_t>(T.size()) / p.dim;
  MascPredictStats stats;
  CHECK(predict_masc_certified(p, T.data(), m, &stats) == predict_masc_double(p, T.data(), m));
  CHECK(stats.rows == m);
  CHECK(stats.rescored >= m - 1024 + 512);  // everything after the trial, in double
  // The ordinary rows alone (more than 2,048: a trial runs, passes, and float decides most).
  MascPredictStats alone;
  CHECK(predict_masc_certified(p, more.X.data(), more.n, &alone) ==
        predict_masc_double(p, more.X.data(), more.n));
  CHECK(alone.rescored < more.n / 2);
}
