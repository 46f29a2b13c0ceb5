#pragma once
// Plain reference twins for the LDA and QDA tests: a one-sided Jacobi SVD (Hestenes) by loops,
// and scikit-learn's LDA/QDA steps written out on dense matrices with it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace mp::probes::testing {

// A (m x n, row-major) = U S V^T: S (n values, descending) and V (n x n, column j = the right
// singular vector of S[j]). Jacobi rotations on column pairs until every pair is orthogonal.
inline void jacobi_svd(std::vector<double> A, int64_t m, int64_t n, std::vector<double>& S,
                       std::vector<double>& V) {
  std::vector<double> Vt(static_cast<size_t>(n * n), 0.0);  // row j = column j of V
  for (int64_t j = 0; j < n; ++j) Vt[static_cast<size_t>(j * n + j)] = 1.0;
  auto col = [&](int64_t i, int64_t j) -> double& { return A[static_cast<size_t>(i * n + j)]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    bool rotated = false;
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        double a = 0, b = 0, g = 0;
        for (int64_t i = 0; i < m; ++i) {
          a += col(i, p) * col(i, p);
          b += col(i, q) * col(i, q);
          g += col(i, p) * col(i, q);
        }
        if (g == 0 || std::abs(g) <= 1e-15 * std::sqrt(a * b)) continue;
        rotated = true;
        const double zeta = (b - a) / (2 * g);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::abs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t), s = c * t;
        for (int64_t i = 0; i < m; ++i) {
          const double x = col(i, p), y = col(i, q);
          col(i, p) = c * x - s * y;
          col(i, q) = s * x + c * y;
        }
        for (int64_t i = 0; i < n; ++i) {
          const double x = Vt[static_cast<size_t>(p * n + i)],
                       y = Vt[static_cast<size_t>(q * n + i)];
          Vt[static_cast<size_t>(p * n + i)] = c * x - s * y;
          Vt[static_cast<size_t>(q * n + i)] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  std::vector<double> norm(static_cast<size_t>(n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) norm[static_cast<size_t>(j)] += col(i, j) * col(i, j);
    norm[static_cast<size_t>(j)] = std::sqrt(norm[static_cast<size_t>(j)]);
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return norm[x] > norm[y]; });
  S.assign(static_cast<size_t>(n), 0.0);
  V.assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    S[static_cast<size_t>(j)] = norm[static_cast<size_t>(order[j])];
    for (int64_t i = 0; i < n; ++i)
      V[static_cast<size_t>(i * n + j)] = Vt[static_cast<size_t>(order[j] * n + i)];
  }
}

// Rows of class c of X (N x d) as double, and their mean.
inline std::vector<double> class_rows_of(const std::vector<float>& X, int64_t d,
                                         const std::vector<int32_t>& y, int c,
                                         std::vector<double>& mean) {
  std::vector<double> rows;
  mean.assign(static_cast<size_t>(d), 0.0);
  int64_t n = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] != c) continue;
    for (int64_t j = 0; j < d; ++j) rows.push_back(X[i * d + j]);
    ++n;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) mean[static_cast<size_t>(j)] += rows[i * d + j];
  for (double& v : mean) v /= static_cast<double>(std::max<int64_t>(n, 1));
  return rows;
}

}  // namespace mp::probes::testing
