#include "probes/masc_certified.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "probes/masc_complement.h"
#include "probes/projection.h"
#include "probes/rounding_bound.h"
#include "tensor/check.h"
#include "tensor/stopwatch.h"

namespace mp::probes {

// Why the bound holds (u = 2^-24 float, U = 2^-53 double unit roundoff; gamma_n(u) = n u /
// (1 - n u), Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1). Row x is
// float32, so exact; class c has k orthonormal-up-to-rounding double rows v_j, n_c = max ||v_j||.
// The exact score is s* = sum_j t_j^2 / ||x||^2 with t_j = v_j . x.
//
// Float path. v'_j = fl32(v_j) has |v'_j - v_j| <= u |v_j| elementwise. The sgemm returns y_j with
// |y_j - v'_j . x| <= gamma_d(u) |v'_j| . |x| for ANY order of the d products and sums, with or
// without FMA (the bound counts at most d roundings along any path of the summation tree). With
// |v'| <= (1 + u)|v| and Cauchy-Schwarz, |v_j| . |x| <= n_c ||x||:
//   |y_j - t_j| <= e := ((1 + u) gamma_d(u) + u) n_c ||x|| + eta,
// eta covering gradual underflow (an absolute 2^-150 per operation, d products, d sums, and the
// rounding of tiny basis entries). y_j^2 is exact in double (48 significant bits), so the double
// sums a = sum y_j^2 and b = sum |y_j| carry only gamma_k(U) relative error, and
//   |sum y_j^2 - sum t_j^2| <= sum e (2 |y_j| + e) = e (2 sum |y_j| + k e).
// ||x||^2 is summed in double from exact squares, within gamma_d(U); dividing adds U.
//
// Double path (masc_scores). Its dgemm gives p_j within e_D := gamma_d(U) n_c ||x|| of t_j, its
// sum of fl(p_j^2) is within gamma_(k+1)(U) relatively, and sum |p_j| <= sum |y_j| + k (e + e_D);
// the same algebra bounds |masc_scores - s*|.
//
// The two bounds add to one B_c with |score_c - masc_scores_c| <= B_c. If for the float argmax
// `best` every other class has score_c + B_c < score_best - B_best, then masc_scores_best >
// masc_scores_c strictly for every c, so argmax(masc_scores) with ties to the lowest index is
// `best`. Any other row is rescored in double by masc_class_scores (masc_scores' own calls and
// rounding; the projection's rows do not depend on how rows are split into blocks, projection.h)
// for the classes that can still win, which is also where exact ties (classes with identical
// bases) and x = 0 keep their documented conventions.
namespace {

constexpr double kU32 = kUnitRoundoffFloat;
constexpr double kU64 = kUnitRoundoffDouble;

}  // namespace

BoundedMascScores masc_scores_float(const MascProbe& probe, const float* X, int64_t N) {
  check_masc_probe(probe, "probes/masc_scores_float");
  const int K = probe.num_classes;
  const int64_t d = probe.dim;
  std::vector<int64_t> offset(static_cast<size_t>(K) + 1, 0);
  for (int c = 0; c < K; ++c) offset[c + 1] = offset[c] + probe.k[c];
  const int64_t R = offset[K];
  // The bases rounded to float, side by side, and each class's largest row norm, rounded up.
  std::vector<float> W(static_cast<size_t>(R * d));
  std::vector<double> norm(static_cast<size_t>(K), 0.0);
  for (int c = 0; c < K; ++c) {
    const std::vector<double>& V = probe.basis[c];
    std::transform(V.begin(), V.begin() + probe.k[c] * d, W.begin() + offset[c] * d,
                   [](double v) { return static_cast<float>(v); });
    norm[c] = max_row_norm_up(V, probe.k[c], d);
  }
  const double dd = static_cast<double>(d);
  const bool usable = dd * kU32 < 0.5;  // else the bound is meaningless: every row rescored
  const double g32 = usable ? rounding_gamma(dd, kU32) : 0.0;
  const double g64 = rounding_gamma(dd, kU64);
  const double rho_d =
      rounding_gamma(dd + 1, kU64);  // ||x||^2 summed from exact squares, then divided
  BoundedMascScores out;
  out.score.assign(static_cast<size_t>(N * K), 0.0);
  out.bound.assign(static_cast<size_t>(N * K), 0.0);
  const double inf = std::numeric_limits<double>::infinity();
  for_each_float_projection_block(
      X, N, d, W.data(), R, [&](int64_t r0, int64_t nb, const float* P, const double* sq) {
        for (int64_t i = 0; i < nb; ++i) {
          double* s = out.score.data() + (r0 + i) * K;
          double* B = out.bound.data() + (r0 + i) * K;
          const double q = sq[i];
          if (!(q > 0)) continue;  // x = 0: scores 0 with bound 0 on both paths (or NaN below)
          if (!usable || !std::isfinite(q)) {
            std::fill(B, B + K, inf);
            continue;
          }
          const double xnorm = std::sqrt(q * (1 + rho_d)) * (1 + 2 * kU64);  // >= ||x||
          const float* p = P + i * R;
          for (int c = 0; c < K; ++c) {
            const double k = static_cast<double>(probe.k[c]);
            if (probe.k[c] == 0) continue;  // empty subspace: exactly 0 on both paths
            double a = 0, b = 0;
            for (int64_t j = offset[c]; j < offset[c + 1]; ++j) {
              const double y = p[j];
              a += y * y;
              b += std::fabs(y);
            }
            if (!std::isfinite(a) || !std::isfinite(b)) {
              s[c] = std::isfinite(a) ? a / q : 0.0;
              B[c] = inf;
              continue;
            }
            const double rho_k = rounding_gamma(k + 1, kU64);
            const double eta = 4 * dd * 0x1p-150 + std::sqrt(dd) * xnorm * 0x1p-149;
            const double e = ((1 + kU32) * g32 + kU32) * norm[c] * xnorm + eta;
            const double b_up = b * (1 + rho_k);
            const double a_err = e * (2 * b_up + k * e) + rho_k * a;  // |a - sum t^2|
            const double t2_up = a + a_err;                           // >= sum t_j^2
            const double eD = g64 * norm[c] * xnorm + dd * 0x1p-1070;
            const double d_err = eD * (2 * (b_up + k * (e + eD)) + k * eD) + rho_k * t2_up;
            // Both scores divide by a computed ||x||^2 (relative rho_d) and round the quotient.
            const double s_up = t2_up / q * (1 + 2 * rho_d);
            const double bound_f = a_err / q * (1 + 2 * rho_d) + 2 * rho_d * s_up + 2 * kU64 * s_up;
            const double bound_d =
                d_err / q * (1 + 2 * rho_d) + 2 * rho_d * s_up + 2 * kU64 * (s_up + d_err / q);
            s[c] = a / q;
            // The bound's own arithmetic rounds (some twenty operations on positive terms).
            B[c] = (bound_f + bound_d) * (1 + 0x1p-40);
          }
        }
      });
  return out;
}

namespace {

// argmax(masc_scores) for rows [0, N) of X from bounded scores `f` of those rows (float32 or
// complement: any scores with |f.score - masc_scores| <= f.bound).
std::vector<int32_t> certify_rows(const MascProbe& probe, const float* X, int64_t N,
                                  const BoundedMascScores& f, MascPredictStats* stats,
                                  double bound_scale) {
  const int K = probe.num_classes;
  const int64_t d = probe.dim;
  std::vector<int32_t> out(static_cast<size_t>(N), 0);
  // An undecided row is rescored in double for its candidate classes only: those whose upper end
  // reaches the float winner's lower end. Any other class c has masc_scores_c <= score_c + B_c <
  // score_best - B_best <= masc_scores_best, so it cannot be the double argmax, and the argmax
  // over the candidates in index order (ties to the lowest) is argmax(masc_scores). A row whose
  // bounds are not finite, and x = 0, is a candidate row for every class.
  std::vector<std::vector<int64_t>> rows_of(static_cast<size_t>(K));
  std::vector<int64_t> undecided;
  std::vector<char> candidate;  // undecided.size() x K
  for (int64_t i = 0; i < N; ++i) {
    const double* s = f.score.data() + i * K;
    const double* B = f.bound.data() + i * K;
    int best = 0;
    for (int c = 1; c < K; ++c) {
      if (s[c] > s[best]) best = c;
    }
    const double lo = s[best] - bound_scale * B[best];
    bool decided = std::isfinite(lo);
    for (int c = 0; c < K && decided; ++c) {
      if (c == best) continue;
      const double hi = s[c] + bound_scale * B[c];
      // The comparison itself rounds: leave a few ulps of the values compared.
      decided = hi + 0x1p-50 * (std::fabs(lo) + std::fabs(hi)) < lo;
    }
    // x = 0 (all scores and bounds 0) is not decided here: masc_scores gives it class 0.
    if (decided) {
      out[static_cast<size_t>(i)] = best;
      continue;
    }
    undecided.push_back(i);
    for (int c = 0; c < K; ++c) {
      const double hi = s[c] + bound_scale * B[c];
      const bool cand =
          c == best || !std::isfinite(lo) || !(hi + 0x1p-50 * (std::fabs(lo) + std::fabs(hi)) < lo);
      candidate.push_back(cand ? 1 : 0);
      if (cand) rows_of[static_cast<size_t>(c)].push_back(i);
    }
  }
  const Stopwatch rescore_clock;
  const size_t U = undecided.size();
  std::vector<double> again(U * static_cast<size_t>(K), 0.0);
  std::vector<size_t> slot(static_cast<size_t>(N), 0);  // row -> its index in `undecided`
  for (size_t r = 0; r < U; ++r) slot[static_cast<size_t>(undecided[r])] = r;
  std::vector<float> rows;
  for (int c = 0; c < K; ++c) {
    const std::vector<int64_t>& idx = rows_of[static_cast<size_t>(c)];
    if (idx.empty()) continue;
    const int64_t n = static_cast<int64_t>(idx.size());
    rows.resize(static_cast<size_t>(n * d));
    for (int64_t r = 0; r < n; ++r)
      std::copy(X + idx[r] * d, X + (idx[r] + 1) * d, rows.begin() + r * d);
    const std::vector<double> sc = masc_class_scores(probe, c, rows.data(), n);
    for (int64_t r = 0; r < n; ++r) again[slot[static_cast<size_t>(idx[r])] * K + c] = sc[r];
  }
  for (size_t r = 0; r < U; ++r) {
    int best = -1;
    for (int c = 0; c < K; ++c) {
      if (!candidate[r * K + c]) continue;
      if (best < 0 || again[r * K + c] > again[r * K + best]) best = c;
    }
    out[static_cast<size_t>(undecided[r])] = best;
  }
  if (stats) {
    stats->rows += N;
    stats->rescored += static_cast<int64_t>(undecided.size());
    stats->rescore_seconds += rescore_clock.seconds();
  }
  return out;
}

// Rows tried in float before committing the rest to it. On a memorising layer (k_c near d, every
// class subspace holding most of each row) the worst-case bound decides almost no row: measured
// on the paper MLP's fc3 at p = 0.8, k_c ~ 1,700 of 2,048, 9,776 of 10,000 test rows rescored.
// There the float pass only adds to the double one, so when the first rows show it, the rest go
// another way. Either way each row gets argmax(masc_scores).
constexpr int64_t kTrialRows = 1024;

// What a row costs each scorer, in units of one double projection onto all sum_c k_c basis
// vectors (the double direct path's cost, 1): the complement path projects onto
// complement_work_ratio() of them, float32 at about twice double's rate (sgemm against dgemm:
// twice the lanes per vector register), and a float pass adds the rows its bound leaves undecided
// (at most one double projection each). On the paper MLP's fc3 at p = 0.2 (ratio 0.67) the
// double complement path made the probe slower than the float direct one; the float complement
// path, whose scoring costs 0.33 in these units there, made it the fastest of the three
// (docs/performance.md: 17.7 s against 19.9 s and 25.5 s, fit and activations included).
constexpr double kFloatCost = 0.5;

}  // namespace

std::vector<int32_t> predict_masc_certified(const MascProbe& probe, const float* X, int64_t N,
                                            MascPredictStats* stats, double bound_scale) {
  check_masc_probe(probe, "probes/predict_masc");
  using Scorer = BoundedMascScores (*)(const MascProbe&, const float*, int64_t);
  const auto certified = [&](Scorer scorer, const float* A, int64_t n, MascPredictStats* st) {
    return certify_rows(probe, A, n, scorer(probe, A, n), st, bound_scale);
  };
  MascPredictStats own;
  MascPredictStats* st = stats ? stats : &own;
  // Wide subspaces with their complements: scored through those, whose bound (rounding plus the
  // measured orthogonality defect) scales with ||W_c x|| and so decides rows that the basis's
  // float bound cannot. Else directly; the float pass is the cheaper one whenever its bound
  // decides most rows, which the trial measures.
  const bool through_complement = complement_pays(probe);
  const double cost = through_complement ? complement_work_ratio(probe) : 1.0;
  const Scorer in_float = through_complement ? masc_scores_complement_float : masc_scores_float;
  if (N <= 2 * kTrialRows) {
    st->scorer = through_complement ? "complement-float" : "float";
    return certified(in_float, X, N, st);
  }
  MascPredictStats trial;
  std::vector<int32_t> out = certified(in_float, X, kTrialRows, &trial);
  const float* rest = X + kTrialRows * probe.dim;
  const int64_t n = N - kTrialRows;
  const double float_cost =
      kFloatCost * cost + static_cast<double>(trial.rescored) / static_cast<double>(kTrialRows);
  std::vector<int32_t> tail;
  if (float_cost <= cost) {
    st->scorer = through_complement ? "complement-float" : "float";
    tail = certified(in_float, rest, n, &trial);
  } else if (through_complement) {
    st->scorer = "complement";
    tail = certified(masc_scores_complement, rest, n, &trial);
  } else {
    st->scorer = "double";
    tail = argmax_rows(masc_scores(probe, rest, n).data(), n, probe.num_classes);
    trial.rows += n;
    trial.rescored += n;
  }
  out.insert(out.end(), tail.begin(), tail.end());
  st->rows += trial.rows;
  st->rescored += trial.rescored;
  st->rescore_seconds += trial.rescore_seconds;
  return out;
}

}  // namespace mp::probes
