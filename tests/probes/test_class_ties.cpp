// Identical classes score identically, bit for bit, in every probe fitted from class rows (MASC,
// NCM, the linear probe) and on every BLAS kernel, so that "ties -> lowest class index" means
// what it says. That is by construction: each class is projected by a dgemm of its own
// (probes/projection.h, grouped blocks), so classes with equal parameters go through identical
// calls. One dgemm over all classes put them at different positions of the kernel's register
// tiles, which OpenBLAS's Haswell dgemm rounds differently; scripts/test.sh runs these tests
// under OPENBLAS_CORETYPE=Haswell as well as under the machine's own kernel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "probes/linear_probe.h"
#include "probes/masc.h"
#include "probes/ncm.h"
#include "probes/projection.h"
#include "tensor/rng.h"
#include "test_util.h"

using namespace mp::probes;
using mp::testing::arrays_equal;

namespace {

// Scores of all m rows in one call, then of each row alone: with one row OpenBLAS takes its
// matrix-vector path, whose Haswell kernel treats columns 0-3 and 4-7 of a product differently.
template <typename Score>
std::vector<double> all_then_each(Score score, const float* T, int64_t m, int64_t d) {
  std::vector<double> s = score(T, m);
  for (int64_t i = 0; i < m; ++i) {
    const std::vector<double> one = score(T + i * d, 1);
    s.insert(s.end(), one.begin(), one.end());
  }
  return s;
}

// Column c of an N x K row-major matrix.
std::vector<double> column(const std::vector<double>& s, int64_t N, int K, int c) {
  std::vector<double> out(static_cast<size_t>(N));
  for (int64_t i = 0; i < N; ++i) out[static_cast<size_t>(i)] = s[static_cast<size_t>(i * K + c)];
  return out;
}

}  // namespace

TEST_CASE("grouped projection blocks match the plain twin and equal groups give equal columns",
          "[probes]") {
  mp::Rng rng(21);
  const int64_t n = 50, d = 37;
  // Groups [0,3) [3,6) [6,6) [6,7) [7,10) [10,13): [3,6) and [10,13) hold the same rows, so do
  // [0,3) and [7,10); the empty group is skipped; widths differ so offsets are uneven.
  const std::vector<int64_t> offsets = {0, 3, 6, 6, 7, 10, 13};
  const int64_t R = offsets.back();
  std::vector<float> X(static_cast<size_t>(n * d));
  std::vector<double> W(static_cast<size_t>(R * d));
  for (auto& v : X) v = static_cast<float>(rng.normal());
  for (auto& v : W) v = rng.normal();
  std::copy(W.begin() + 3 * d, W.begin() + 6 * d, W.begin() + 10 * d);
  std::copy(W.begin(), W.begin() + 3 * d, W.begin() + 7 * d);
  const std::vector<double> ref = project_reference(X.data(), n, d, W.data(), R);
  std::vector<double> got(static_cast<size_t>(n * R), -1.0);
  for_each_grouped_projection_block(
      X.data(), n, d, W.data(), offsets,
      [&](int64_t r0, int64_t nb, const double* P, const double*) {
        std::copy(P, P + nb * R, got.begin() + r0 * R);
      },
      7);
  // Each element is a d-term dot product in double, computed twice in different orders: each
  // is within gamma_d * sum |x_t w_t| of the exact value (gamma_d = d u / (1 - d u), u = 2^-53),
  // so they are within twice that of each other.
  const double u = std::numeric_limits<double>::epsilon() / 2;
  const double gamma = d * u / (1 - d * u);
  int64_t outside = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < R; ++j) {
      double abs_sum = 0;
      for (int64_t t = 0; t < d; ++t) abs_sum += std::fabs(double(X[i * d + t]) * W[j * d + t]);
      const size_t k = static_cast<size_t>(i * R + j);
      outside += std::fabs(got[k] - ref[k]) > 2 * gamma * abs_sum;
    }
  }
  CHECK(outside == 0);
  // One row at a time too (OpenBLAS's matrix-vector path): the same bits as in the blocks.
  std::vector<double> each(static_cast<size_t>(n * R), -1.0);
  for (int64_t i = 0; i < n; ++i) {
    for_each_grouped_projection_block(X.data() + i * d, 1, d, W.data(), offsets,
                                      [&](int64_t, int64_t, const double* P, const double*) {
                                        std::copy(P, P + R, each.begin() + i * R);
                                      });
  }
  for (int j = 0; j < 3; ++j) {
    INFO("row " << j << " of the repeated groups, one row per call");
    CHECK(arrays_equal(column(each, n, static_cast<int>(R), 3 + j),
                       column(each, n, static_cast<int>(R), 10 + j)));
    CHECK(arrays_equal(column(each, n, static_cast<int>(R), j),
                       column(each, n, static_cast<int>(R), 7 + j)));
  }
  for (int j = 0; j < 3; ++j) {
    INFO("row " << j << " of the repeated groups");
    CHECK(arrays_equal(column(got, n, static_cast<int>(R), 3 + j),
                       column(got, n, static_cast<int>(R), 10 + j)));
    CHECK(arrays_equal(column(got, n, static_cast<int>(R), j),
                       column(got, n, static_cast<int>(R), 7 + j)));
  }
}

TEST_CASE(
    "classes fitted on identical rows score bit-identically in MASC and NCM and the linear probe",
    "[probes]") {
  // 7 classes of generic non-negative rows in d = 45; class 6 is a copy of class 2's rows, so
  // the two sit at different positions among the classes (and of any kernel's tiles).
  mp::Rng rng(5);
  const int K = 7;
  const int64_t d = 45, per_class = 30, m = 120;
  std::vector<float> X;
  std::vector<int32_t> y;
  std::vector<float> class2;
  for (int c = 0; c < K - 1; ++c) {
    for (int64_t i = 0; i < per_class; ++i) {
      for (int64_t t = 0; t < d; ++t) {
        const float v = static_cast<float>(std::max(0.0, rng.normal() + 0.2 * c));
        X.push_back(v);
        if (c == 2) class2.push_back(v);
      }
      y.push_back(c);
    }
  }
  X.insert(X.end(), class2.begin(), class2.end());
  y.insert(y.end(), static_cast<size_t>(per_class), K - 1);
  const int64_t n = static_cast<int64_t>(y.size());
  std::vector<float> T(static_cast<size_t>(m * d));  // signed rows: scores of every size
  for (auto& v : T) v = static_cast<float>(rng.normal());

  MascOptions serial;
  serial.parallel_classes = false;
  for (const MascOptions& o : {MascOptions{}, serial}) {
    const MascProbe p = fit_masc(X.data(), n, d, y.data(), K, o);
    REQUIRE(p.k[2] == p.k[6]);
    REQUIRE(p.k[2] > 1);
    const std::vector<double> s = all_then_each(
        [&](const float* t, int64_t r) { return masc_scores(p, t, r); }, T.data(), m, d);
    CHECK(arrays_equal(column(s, 2 * m, K, 2), column(s, 2 * m, K, 6)));
  }
  const NcmProbe ncm = fit_ncm(X.data(), n, d, y.data(), K);
  const std::vector<double> sn = all_then_each(
      [&](const float* t, int64_t r) { return ncm_scores(ncm, t, r); }, T.data(), m, d);
  CHECK(arrays_equal(column(sn, 2 * m, K, 2), column(sn, 2 * m, K, 6)));
  const LinearProbe lin = fit_linear_probe(X.data(), n, d, y.data(), K);
  const std::vector<double> sl = all_then_each(
      [&](const float* t, int64_t r) { return linear_scores(lin, t, r); }, T.data(), m, d);
  CHECK(arrays_equal(column(sl, 2 * m, K, 2), column(sl, 2 * m, K, 6)));
  // The tie goes to the lower index: no test row is predicted as class 6.
  for (int32_t c : predict_ncm(ncm, T.data(), m)) CHECK(c != 6);
  for (int32_t c : predict_linear(lin, T.data(), m)) CHECK(c != 6);
}
