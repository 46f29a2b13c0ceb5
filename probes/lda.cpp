#include "probes/lda.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "probes/class_eigen.h"
#include "probes/projection.h"
#include "tensor/check.h"

namespace mp::probes {

namespace {

// Rows per dsyrk block: 1024 x d doubles (16 MB at d = 2048), enough for full BLAS speed.
constexpr int64_t kScatterBlock = 1024;

// G (d x d, lower triangle in row-major terms) = Z^T Z with Z = (x_i - mu_{y_i}) * colscale,
// accumulated block by block in double.
std::vector<double> scaled_within_scatter(const float* X, int64_t N, int64_t d,
                                          const int32_t* labels, const std::vector<double>& means,
                                          const std::vector<double>& colscale) {
  std::vector<double> G(static_cast<size_t>(d * d), 0.0);
  std::vector<double> B(static_cast<size_t>(std::min(N, kScatterBlock) * d));
  for (int64_t r0 = 0; r0 < N; r0 += kScatterBlock) {
    const int64_t nb = std::min(kScatterBlock, N - r0);
    for (int64_t i = 0; i < nb; ++i) {
      const float* x = X + (r0 + i) * d;
      const double* mu = means.data() + labels[r0 + i] * d;
      double* z = B.data() + i * d;
      for (int64_t j = 0; j < d; ++j) z[j] = (x[j] - mu[j]) * colscale[static_cast<size_t>(j)];
    }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, static_cast<int>(d), static_cast<int>(nb),
                1.0, B.data(), static_cast<int>(d), 1.0, G.data(), static_cast<int>(d));
  }
  return G;
}

}  // namespace

// X: N x d float32, labels N in [0, K) -> coef (K x d), intercept (K), ranks.
LdaProbe fit_lda(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                 const LdaOptions& opts) {
  check_labels(labels, N, num_classes, "probes/fit_lda");
  MP_CHECK(d >= 1 && X != nullptr,
           "probes/fit_lda: need a non-empty matrix, got " << N << " x " << d);
  MP_CHECK(opts.tol >= 0, "probes/fit_lda: tol=" << opts.tol << " must be >= 0");
  const int K = num_classes;
  LdaProbe p;
  p.num_classes = K;
  p.dim = d;
  p.class_rows.assign(static_cast<size_t>(K), 0);
  std::vector<double> means(static_cast<size_t>(K * d), 0.0);
  for (int64_t i = 0; i < N; ++i) {
    double* m = means.data() + labels[i] * d;
    for (int64_t j = 0; j < d; ++j) m[j] += X[i * d + j];
    ++p.class_rows[static_cast<size_t>(labels[i])];
  }
  std::vector<int> present;  // the classes scikit-learn would see
  for (int c = 0; c < K; ++c) {
    const int64_t n = p.class_rows[static_cast<size_t>(c)];
    if (n == 0) continue;
    present.push_back(c);
    for (int64_t j = 0; j < d; ++j) means[c * d + j] /= static_cast<double>(n);
  }
  const int64_t Kp = static_cast<int64_t>(present.size());
  MP_CHECK(N > Kp, "probes/fit_lda: " << N << " rows for " << Kp
                                      << " classes: LDA needs more rows than classes");
  const double fac = 1.0 / static_cast<double>(N - Kp);

  // Step 1: the std of the within-class centred columns (numpy's std: around their mean).
  std::vector<double> cmean(static_cast<size_t>(d), 0.0), std_(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < N; ++i) {
    const double* mu = means.data() + labels[i] * d;
    for (int64_t j = 0; j < d; ++j) cmean[static_cast<size_t>(j)] += X[i * d + j] - mu[j];
  }
  for (double& v : cmean) v /= static_cast<double>(N);
  for (int64_t i = 0; i < N; ++i) {
    const double* mu = means.data() + labels[i] * d;
    for (int64_t j = 0; j < d; ++j) {
      const double c = (X[i * d + j] - mu[j]) - cmean[static_cast<size_t>(j)];
      std_[static_cast<size_t>(j)] += c * c;
    }
  }
  std::vector<double> colscale(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) {
    double& s = std_[static_cast<size_t>(j)];
    s = std::sqrt(s / static_cast<double>(N));
    if (s == 0) s = 1.0;  // a constant (or dead) feature: scikit-learn's std[std == 0] = 1
    colscale[static_cast<size_t>(j)] = std::sqrt(fac) / s;
  }

  // Step 2: S^2 and V from Z^T Z; keep the directions with S > tol.
  std::vector<double> V;
  const std::vector<double> lam =
      eigh_reference(scaled_within_scatter(X, N, d, labels, means, colscale), d, &V);
  int rw = 0;
  while (rw < d && std::sqrt(std::max(lam[static_cast<size_t>(rw)], 0.0)) > opts.tol) ++rw;
  p.within_rank = rw;
  // scalings (rw x d, row r = column r of scikit-learn's d x rank matrix): V_r / std / S_r.
  std::vector<double> scal(static_cast<size_t>(rw * d));
  for (int r = 0; r < rw; ++r) {
    const double inv_s = 1.0 / std::sqrt(lam[static_cast<size_t>(r)]);
    for (int64_t j = 0; j < d; ++j)
      scal[r * d + j] = V[r * d + j] / std_[static_cast<size_t>(j)] * inv_s;
  }

  // Step 3: the weighted, centred class means in the scaled space (Kp x rw), and their SVD.
  std::vector<double> xbar(static_cast<size_t>(d), 0.0);
  for (int c : present) {
    const double prior = static_cast<double>(p.class_rows[c]) / static_cast<double>(N);
    for (int64_t j = 0; j < d; ++j) xbar[static_cast<size_t>(j)] += prior * means[c * d + j];
  }
  std::vector<double> Bm(static_cast<size_t>(Kp * rw), 0.0);
  for (int64_t a = 0; a < Kp; ++a) {
    const int c = present[static_cast<size_t>(a)];
    const double w = std::sqrt(static_cast<double>(p.class_rows[c]) * fac);
    for (int r = 0; r < rw; ++r) {
      double s = 0;
      for (int64_t j = 0; j < d; ++j)
        s += (means[c * d + j] - xbar[static_cast<size_t>(j)]) * scal[r * d + j];
      Bm[a * rw + r] = w * s;
    }
  }
  std::vector<double> BBt(static_cast<size_t>(Kp * Kp), 0.0), U;
  for (int64_t a = 0; a < Kp; ++a)
    for (int64_t b = 0; b < Kp; ++b)
      for (int r = 0; r < rw; ++r) BBt[a * Kp + b] += Bm[a * rw + r] * Bm[b * rw + r];
  const std::vector<double> lb = eigh_reference(BBt, Kp, &U);
  const double s0 = Kp > 0 ? std::sqrt(std::max(lb[0], 0.0)) : 0.0;
  int rank = 0;
  while (rank < Kp && std::sqrt(std::max(lb[static_cast<size_t>(rank)], 0.0)) > opts.tol * s0)
    ++rank;
  p.rank = rank;
  // W (rank x d, row t = column t of scikit-learn's scalings_) = sum_r Vb[t][r] scal_r, where
  // Vb_t = B^T U_t / S_b,t is the right singular vector.
  std::vector<double> W(static_cast<size_t>(rank * d), 0.0);
  for (int t = 0; t < rank; ++t) {
    const double inv_s = 1.0 / std::sqrt(lb[static_cast<size_t>(t)]);
    for (int r = 0; r < rw; ++r) {
      double vb = 0;
      for (int64_t a = 0; a < Kp; ++a) vb += Bm[a * rw + r] * U[t * Kp + a];
      vb *= inv_s;
      for (int64_t j = 0; j < d; ++j) W[t * d + j] += vb * scal[r * d + j];
    }
  }

  // Step 4: coef and intercept per class.
  p.coef.assign(static_cast<size_t>(K * d), 0.0);
  p.intercept.assign(static_cast<size_t>(K), -std::numeric_limits<double>::infinity());
  for (int c : present) {
    std::vector<double> ck(static_cast<size_t>(rank), 0.0);
    for (int t = 0; t < rank; ++t)
      for (int64_t j = 0; j < d; ++j)
        ck[static_cast<size_t>(t)] +=
            (means[c * d + j] - xbar[static_cast<size_t>(j)]) * W[t * d + j];
    double sq = 0;
    for (double v : ck) sq += v * v;
    double* coef = p.coef.data() + c * d;
    for (int t = 0; t < rank; ++t)
      for (int64_t j = 0; j < d; ++j) coef[j] += ck[static_cast<size_t>(t)] * W[t * d + j];
    double xc = 0;
    for (int64_t j = 0; j < d; ++j) xc += xbar[static_cast<size_t>(j)] * coef[j];
    const double prior = static_cast<double>(p.class_rows[c]) / static_cast<double>(N);
    p.intercept[static_cast<size_t>(c)] = -0.5 * sq + std::log(prior) - xc;
  }
  return p;
}

// X: N x d float32 -> N x K scores (double).
std::vector<double> lda_scores(const LdaProbe& probe, const float* X, int64_t N) {
  const int K = probe.num_classes;
  MP_CHECK(K >= 1 && static_cast<int64_t>(probe.coef.size()) == K * probe.dim &&
               static_cast<int>(probe.intercept.size()) == K,
           "probes/lda_scores: probe is not fitted or inconsistent (K=" << K << ")");
  std::vector<double> scores(static_cast<size_t>(N * K));
  auto score_rows = [&](int64_t r0, int64_t nb, const double* P, const double*) {
    for (int64_t i = 0; i < nb; ++i)
      for (int c = 0; c < K; ++c)
        scores[static_cast<size_t>((r0 + i) * K + c)] =
            P[i * K + c] + probe.intercept[static_cast<size_t>(c)];
  };
  // One dgemm per class, as NCM: equal classes score equally on every BLAS kernel.
  for_each_grouped_projection_block(X, N, probe.dim, probe.coef.data(), one_row_groups(K),
                                    score_rows);
  return scores;
}

std::vector<int32_t> predict_lda(const LdaProbe& probe, const float* X, int64_t N) {
  return argmax_rows(lda_scores(probe, X, N).data(), N, probe.num_classes);
}

}  // namespace mp::probes
