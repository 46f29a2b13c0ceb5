#include "probes/masc_complement.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "probes/projection.h"
#include "probes/rounding_bound.h"
#include "tensor/check.h"

namespace mp::probes {

// Why the bound holds (U = 2^-53, gamma_n = n U / (1 - n U), Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., §3.1; masc_certified.cpp uses the same steps for float32).
// Row x is float32, exact in double; X2 = ||x||^2 exactly, q its computed value (a sum of exact
// squares: |q - X2| <= rho_d X2, rho_d = gamma_(d+1)). A group of rows r_j (a class's basis V or
// complement W) with n >= max ||r_j|| is projected by dgemm: p_j = fl(r_j . x) has
// |p_j - t_j| <= eD := gamma_d n ||x|| (+ an underflow allowance) for t_j = r_j . x in exact
// arithmetic, whatever the kernel's summation order and FMA use.
//  - Sum of squares. a = fl(sum fl(p_j^2)) over k rows, b = fl(sum |p_j|): with
//    S1 = b (1 + rho_k) + k eD >= sum |t_j|, |a - sum t_j^2| <= eD (2 S1 + k eD) + rho_k a.
//  - Quotient. |fl(a / q) - sum t_j^2 / X2| <= a_err / q (1 + 2 rho_d) + 2 (rho_d + U) s_up,
//    with s_up >= sum t_j^2 / X2.
//  - Complement. With s* = ||V x||^2 / X2 (exact, computed V) and Q = [V; W] (the d x d matrix of
//    computed eigenvectors), ||V x||^2 + ||W x||^2 = x^T Q^T Q x, so
//    |(1 - ||W x||^2 / X2) - s*| <= ||Q^T Q - I||_2 <= orth_defect (class_eigen.cpp measures it;
//    Q is square, so Q^T Q and Q Q^T have the same spectrum). fl(1 - z) adds U |1 - z|.
//  - masc_scores' own error against s* needs its projections, which this path does not compute:
//    it is bounded from T_up >= ||V x||^2 and S1 = sqrt(k T_up) >= sum |t_j| (Cauchy-Schwarz).
// Each score's bound is |mine - s*| + |masc_scores - s*| >= |mine - masc_scores|. A class scored
// directly (no complement, or a narrow basis) adds both halves the same way, without assuming
// that this call and masc_scores round alike.
namespace {

constexpr double kU = kUnitRoundoffDouble;

double gamma(double n) {
  return rounding_gamma(n, kU);
}

// >= |a - sum t_j^2| for a = fl(sum p_j^2), b = fl(sum |p_j|) over k projections within eD.
double square_sum_error(double a, double b, double k, double eD) {
  const double rho_k = gamma(k + 1);
  const double S1 = b * (1 + rho_k) + k * eD;
  return eD * (2 * S1 + k * eD) + rho_k * a;
}

// >= |fl(a / q) - T / X2| given |a - T| <= a_err and T <= t_up.
double quotient_error(double a_err, double t_up, double q, double rho_d) {
  const double s_up = t_up / q * (1 + 2 * rho_d);
  return a_err / q * (1 + 2 * rho_d) + 2 * (rho_d + kU) * s_up;
}

// >= |masc_scores_c - s*| from T_up >= ||V_c x||^2 and S1 >= sum_j |v_j . x| (k basis rows).
double masc_scores_error(double T_up, double S1, double k, double eD, double q, double rho_d) {
  const double rho_k = gamma(k + 1);
  const double sq = eD * (2 * S1 + k * eD);
  const double a_err = sq + rho_k * (T_up + sq);
  return quotient_error(a_err, T_up + a_err, q, rho_d);
}

}  // namespace

bool scores_through_complement(const MascProbe& probe, int c) {
  return has_complement(probe, c) && probe.dim - probe.k[c] < probe.k[c];
}

double complement_work_ratio(const MascProbe& probe) {
  int64_t direct = 0, mixed = 0;
  for (int c = 0; c < probe.num_classes; ++c) {
    direct += probe.k[c];
    mixed += scores_through_complement(probe, c) ? probe.dim - probe.k[c] : probe.k[c];
  }
  return direct > 0 ? static_cast<double>(mixed) / static_cast<double>(direct) : 1.0;
}

bool complement_pays(const MascProbe& probe) {
  return complement_work_ratio(probe) <= 0.75;
}

namespace {

// Which rows each class is projected onto (its complement or its basis, side by side in one
// matrix) and their largest norms.
struct ProjectedRows {
  std::vector<char> comp;          // per class: through its complement
  std::vector<int64_t> offset;     // class c's rows are [offset[c], offset[c + 1])
  std::vector<double> norm_basis;  // max ||v_j|| over the basis, rounded up
  std::vector<double> norm_rows;   // the same over the rows projected onto
  std::vector<double> W;           // R x d
};

ProjectedRows projected_rows(const MascProbe& probe) {
  const int K = probe.num_classes;
  const int64_t d = probe.dim;
  ProjectedRows pr;
  pr.comp.assign(static_cast<size_t>(K), 0);
  pr.offset.assign(static_cast<size_t>(K) + 1, 0);
  pr.norm_basis.assign(static_cast<size_t>(K), 0.0);
  pr.norm_rows.assign(static_cast<size_t>(K), 0.0);
  for (int c = 0; c < K; ++c) {
    pr.comp[c] = scores_through_complement(probe, c) ? 1 : 0;
    pr.offset[c + 1] = pr.offset[c] + (pr.comp[c] ? d - probe.k[c] : probe.k[c]);
    pr.norm_basis[c] = max_row_norm_up(probe.basis[c], probe.k[c], d);
    pr.norm_rows[c] =
        pr.comp[c] ? max_row_norm_up(probe.complement[c], d - probe.k[c], d) : pr.norm_basis[c];
  }
  pr.W.resize(static_cast<size_t>(pr.offset[K] * d));
  for (int c = 0; c < K; ++c) {
    const std::vector<double>& rows = pr.comp[c] ? probe.complement[c] : probe.basis[c];
    std::copy(rows.begin(), rows.end(), pr.W.begin() + pr.offset[c] * d);
  }
  return pr;
}

// Class c's score and its bound against masc_scores from the sums a = fl(sum p_j^2) and
// b = fl(sum |p_j|) over its projected rows, each p_j within e_proj of the exact r_j . x, and
// q = fl(||x||^2) > 0 finite. eD_basis: the double projection error masc_scores' own dgemm
// carries on the basis rows.
void score_class(const MascProbe& probe, const ProjectedRows& pr, int c, double a, double b,
                 double q, double e_proj, double eD_basis, double rho_d, double& score,
                 double& bound) {
  const double k = static_cast<double>(probe.k[c]);
  const double width = static_cast<double>(pr.offset[c + 1] - pr.offset[c]);
  const double a_err = square_sum_error(a, b, width, e_proj);
  double mine = 0, T_up = 0, S1 = 0;
  if (pr.comp[c]) {
    const double z = a / q;
    const double z_err = quotient_error(a_err, a + a_err, q, rho_d);
    const double z_up = z + z_err;
    score = 1 - z;
    mine = z_err + kU * (1 + z_up) + probe.orth_defect[c];
    T_up = std::max(0.0, score + mine) * q * (1 + 2 * rho_d);
    S1 = std::sqrt(k * T_up) * (1 + 4 * kU);
  } else {
    // masc_scores' own arithmetic: score_of in masc.cpp sums the squares in this order.
    score = a / q;
    mine = quotient_error(a_err, a + a_err, q, rho_d);
    T_up = a + a_err;
    S1 = b * (1 + gamma(k + 1)) + k * e_proj;
  }
  const double total = mine + masc_scores_error(T_up, S1, k, eD_basis, q, rho_d);
  // The bound's own arithmetic rounds (a few dozen operations on positive terms).
  bound = std::isfinite(score) && std::isfinite(total) && std::isfinite(a) && std::isfinite(b)
              ? total * (1 + 0x1p-40)
              : std::numeric_limits<double>::infinity();
}

// Scores rows [r0, r0 + nb) of `out` from their projections P (nb x R, double or float) and
// q = fl(||x||^2) per row; e_proj(c, xnorm) bounds the error of one projection onto class c's
// rows. Without `usable` every bound is +inf (the float bound is meaningless when d u >= 1/2).
template <typename T, typename ProjectionError>
void score_block(const MascProbe& probe, const ProjectedRows& pr, bool usable, int64_t r0,
                 int64_t nb, const T* P, const double* sq, const ProjectionError& e_proj,
                 BoundedMascScores& out) {
  const int K = probe.num_classes;
  const int64_t R = pr.offset[K];
  const double dd = static_cast<double>(probe.dim);
  const double g_d = gamma(dd);
  const double rho_d = gamma(dd + 1);
  for (int64_t i = 0; i < nb; ++i) {
    double* s = out.score.data() + (r0 + i) * K;
    double* B = out.bound.data() + (r0 + i) * K;
    const double q = sq[i];
    if (!(q > 0)) continue;  // x = 0: 0 with bound 0, as masc_scores (NaN: undecided anyway)
    if (!usable || !std::isfinite(q)) {
      std::fill(B, B + K, std::numeric_limits<double>::infinity());
      continue;
    }
    const double xnorm = std::sqrt(q * (1 + rho_d)) * (1 + 2 * kU);  // >= ||x||
    const T* p = P + i * R;
    for (int c = 0; c < K; ++c) {
      if (probe.k[c] == 0) continue;  // empty subspace: exactly 0 on both paths
      double a = 0, b = 0;
      for (int64_t j = pr.offset[c]; j < pr.offset[c + 1]; ++j) {
        const double y = p[j];  // a float's square is exact in double
        a += y * y;
        b += std::fabs(y);
      }
      const double eD_basis = g_d * pr.norm_basis[c] * xnorm + dd * 0x1p-1070;
      score_class(probe, pr, c, a, b, q, e_proj(c, xnorm), eD_basis, rho_d, s[c], B[c]);
    }
  }
}

}  // namespace

BoundedMascScores masc_scores_complement(const MascProbe& probe, const float* X, int64_t N) {
  check_masc_probe(probe, "probes/masc_scores_complement");
  const int K = probe.num_classes;
  // One dgemm group per class (as masc_scores, so that identical classes score identically).
  const ProjectedRows pr = projected_rows(probe);
  const double dd = static_cast<double>(probe.dim);
  const double g_d = gamma(dd);
  const auto e_proj = [&](int c, double xnorm) {
    return g_d * pr.norm_rows[c] * xnorm + dd * 0x1p-1070;
  };
  BoundedMascScores out;
  out.score.assign(static_cast<size_t>(N * K), 0.0);
  out.bound.assign(static_cast<size_t>(N * K), 0.0);
  for_each_grouped_projection_block(X, N, probe.dim, pr.W.data(), pr.offset,
                                    [&](int64_t r0, int64_t nb, const double* P, const double* sq) {
                                      score_block(probe, pr, true, r0, nb, P, sq, e_proj, out);
                                    });
  return out;
}

// The float32 twin. The rows projected onto are rounded to float, r'_j = fl32(r_j) with
// |r'_j - r_j| <= u |r_j| elementwise (u = 2^-24, plus 2^-150 where an entry falls below float's
// normal range), and one sgemm gives y_j with |y_j - r'_j . x| <= gamma_d(u) |r'_j| . |x| in any
// summation order, so |y_j - r_j . x| <= e := ((1 + u) gamma_d(u) + u) n ||x|| + eta exactly as
// in masc_certified.cpp. y_j^2 is exact in double, so a = fl(sum y_j^2) and b = fl(sum |y_j|)
// carry only double rounding, and score_class's argument holds with e in place of eD. Each
// complement class projects onto d - k_c rows instead of k_c, and its error scales with
// ||W_c x|| rather than ||V_c x||: the bound is small where float scoring of the basis fails.
BoundedMascScores masc_scores_complement_float(const MascProbe& probe, const float* X, int64_t N) {
  check_masc_probe(probe, "probes/masc_scores_complement_float");
  const int K = probe.num_classes;
  const ProjectedRows pr = projected_rows(probe);
  std::vector<float> Wf(pr.W.size());
  std::transform(pr.W.begin(), pr.W.end(), Wf.begin(),
                 [](double v) { return static_cast<float>(v); });
  const double dd = static_cast<double>(probe.dim);
  const double u = kUnitRoundoffFloat;
  const bool usable = dd * u < 0.5;  // else the bound is meaningless: every row rescored
  const double g32 = usable ? rounding_gamma(dd, u) : 0.0;
  const auto e_proj = [&](int c, double xnorm) {
    const double eta = 4 * dd * 0x1p-150 + std::sqrt(dd) * xnorm * 0x1p-149;  // underflow
    return ((1 + u) * g32 + u) * pr.norm_rows[c] * xnorm + eta;
  };
  BoundedMascScores out;
  out.score.assign(static_cast<size_t>(N * K), 0.0);
  out.bound.assign(static_cast<size_t>(N * K), 0.0);
  for_each_float_projection_block(X, N, probe.dim, Wf.data(), pr.offset[K],
                                  [&](int64_t r0, int64_t nb, const float* P, const double* sq) {
                                    score_block(probe, pr, usable, r0, nb, P, sq, e_proj, out);
                                  });
  return out;
}

}  // namespace mp::probes
