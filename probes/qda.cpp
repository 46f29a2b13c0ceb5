#include "probes/qda.h"

#include <cblas.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "probes/class_eigen.h"
#include "probes/projection.h"
#include "tensor/check.h"

namespace mp::probes {

namespace {

constexpr int64_t kScatterBlock = 1024;  // rows per dsyrk block

// One class: its mean (d) and base variances S_j^2 / (n_c - 1) (d, descending, the ones the
// SVD of n_c rows would not have set to exactly 0) with their directions V (d x d, row j).
struct ClassSpectrum {
  std::vector<double> mean, base, V;
};

ClassSpectrum class_spectrum(const float* X, int64_t d, const std::vector<int64_t>& rows) {
  ClassSpectrum s;
  const int64_t n = static_cast<int64_t>(rows.size());
  s.mean.assign(static_cast<size_t>(d), 0.0);
  for (int64_t r : rows)
    for (int64_t j = 0; j < d; ++j) s.mean[static_cast<size_t>(j)] += X[r * d + j];
  for (double& v : s.mean) v /= static_cast<double>(n);
  // Xc^T Xc, lower triangle (row-major), from centred double blocks.
  std::vector<double> G(static_cast<size_t>(d * d), 0.0);
  std::vector<double> B(static_cast<size_t>(std::min(n, kScatterBlock) * d));
  for (int64_t r0 = 0; r0 < n; r0 += kScatterBlock) {
    const int64_t nb = std::min(kScatterBlock, n - r0);
    for (int64_t i = 0; i < nb; ++i) {
      const float* x = X + rows[static_cast<size_t>(r0 + i)] * d;
      for (int64_t j = 0; j < d; ++j) B[i * d + j] = x[j] - s.mean[static_cast<size_t>(j)];
    }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, static_cast<int>(d), static_cast<int>(nb),
                1.0, B.data(), static_cast<int>(d), 1.0, G.data(), static_cast<int>(d));
  }
  s.base = eigh_reference(std::move(G), d, &s.V);
  const double div = static_cast<double>(std::max<int64_t>(n - 1, 1));
  for (int64_t j = 0; j < d; ++j) {
    double& b = s.base[static_cast<size_t>(j)];
    // Beyond the n_c-th the SVD has no singular value: S_j = 0 exactly (S2_j = reg).
    b = j < n ? std::max(b, 0.0) / div : 0.0;
  }
  // Below the numerical rank threshold a value is rounding noise of the zero it stands for (of
  // order eps * max, and different for another SVD algorithm): it is taken as exactly 0, so such
  // directions get S2 = reg exactly and the scores do not depend on the noise.
  const double floor =
      static_cast<double>(std::max(n, d)) * std::numeric_limits<double>::epsilon() * s.base.front();
  for (double& b : s.base)
    if (b <= floor) b = 0.0;
  return s;
}

// True when every S2 = (1 - reg) base + reg of every class is numerically positive.
bool all_positive(const std::vector<ClassSpectrum>& spec, const std::vector<int64_t>& rows,
                  int64_t d, double reg) {
  const double eps = std::numeric_limits<double>::epsilon();
  for (size_t c = 0; c < spec.size(); ++c) {
    if (rows[c] == 0) continue;
    const std::vector<double>& b = spec[c].base;
    const double hi = (1 - reg) * b.front() + reg, lo = (1 - reg) * b.back() + reg;
    if (!(lo > static_cast<double>(std::max(rows[c], d)) * eps * hi)) return false;
  }
  return true;
}

}  // namespace

std::vector<double> qda_reg_ladder() {
  return {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
}

// X: N x d float32, labels N in [0, K) -> per class scaled axes (d x d), offsets, constants.
QdaProbe fit_qda(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                 const QdaOptions& opts) {
  check_labels(labels, N, num_classes, "probes/fit_qda");
  MP_CHECK(N >= 1 && d >= 1 && X != nullptr,
           "probes/fit_qda: need a non-empty matrix, got " << N << " x " << d);
  MP_CHECK(opts.reg >= 0 && opts.reg <= 1,
           "probes/fit_qda: qda_reg=" << opts.reg << " must be in [0, 1]");
  const int K = num_classes;
  QdaProbe p;
  p.num_classes = K;
  p.dim = d;
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(K));
  for (int c = 0; c < K; ++c) rows[c] = class_row_indices(labels, N, c);
  for (int c = 0; c < K; ++c) p.class_rows.push_back(static_cast<int64_t>(rows[c].size()));

  // Classes side by side, each with serial BLAS (as all_class_eigen): the result of a class does
  // not depend on the thread count.
  std::vector<ClassSpectrum> spec(static_cast<size_t>(K));
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) if (K > 1 && omp_get_max_threads() > 1)
  for (int c = 0; c < K; ++c) {
    try {
      if (!rows[c].empty()) spec[c] = class_spectrum(X, d, rows[c]);
    } catch (...) {
#pragma omp critical(mp_probes_qda_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);

  // The requested reg if it works, else the first ladder value above it that does.
  p.reg = 1.0;
  std::vector<double> tries = {opts.reg};
  for (double r : qda_reg_ladder())
    if (r > opts.reg) tries.push_back(r);
  for (double r : tries) {
    if (all_positive(spec, p.class_rows, d, r)) {
      p.reg = r;
      break;
    }
  }

  p.offsets.assign(static_cast<size_t>(K) + 1, 0);
  for (int c = 0; c < K; ++c) p.offsets[c + 1] = p.offsets[c] + (rows[c].empty() ? 0 : d);
  p.axes.assign(static_cast<size_t>(p.offsets[K] * d), 0.0);
  p.mean_proj.assign(static_cast<size_t>(p.offsets[K]), 0.0);
  p.constant.assign(static_cast<size_t>(K), -std::numeric_limits<double>::infinity());
  p.scalings.resize(static_cast<size_t>(K));
  for (int c = 0; c < K; ++c) {
    if (rows[c].empty()) continue;
    const ClassSpectrum& s = spec[c];
    std::vector<double>& s2 = p.scalings[c];
    double logdet = 0;
    for (int64_t j = 0; j < d; ++j) {
      s2.push_back((1 - p.reg) * s.base[static_cast<size_t>(j)] + p.reg);
      logdet += std::log(s2.back());
      const double inv = 1.0 / std::sqrt(s2.back());
      double* a = p.axes.data() + (p.offsets[c] + j) * d;
      double proj = 0;
      for (int64_t t = 0; t < d; ++t) {
        a[t] = s.V[j * d + t] * inv;
        proj += s.mean[static_cast<size_t>(t)] * a[t];
      }
      p.mean_proj[static_cast<size_t>(p.offsets[c] + j)] = proj;
    }
    const double prior = static_cast<double>(rows[c].size()) / static_cast<double>(N);
    p.constant[static_cast<size_t>(c)] = -0.5 * logdet + std::log(prior);
  }
  return p;
}

// X: N x d float32 -> N x K scores.
std::vector<double> qda_scores(const QdaProbe& probe, const float* X, int64_t N) {
  const int K = probe.num_classes;
  MP_CHECK(K >= 1 && static_cast<int>(probe.offsets.size()) == K + 1 &&
               static_cast<int64_t>(probe.axes.size()) == probe.offsets[K] * probe.dim &&
               static_cast<int>(probe.constant.size()) == K,
           "probes/qda_scores: probe is not fitted or inconsistent (K=" << K << ")");
  const int64_t R = probe.offsets[K];
  std::vector<double> scores(static_cast<size_t>(N * K));
  auto score_rows = [&](int64_t r0, int64_t nb, const double* P, const double*) {
    for (int64_t i = 0; i < nb; ++i) {
      const double* p = P + i * R;
      for (int c = 0; c < K; ++c) {
        double q = 0;
        for (int64_t j = probe.offsets[c]; j < probe.offsets[c + 1]; ++j) {
          const double z = p[j] - probe.mean_proj[static_cast<size_t>(j)];
          q += z * z;
        }
        scores[static_cast<size_t>((r0 + i) * K + c)] =
            -0.5 * q + probe.constant[static_cast<size_t>(c)];
      }
    }
  };
  // One dgemm per class (its d scaled axes), in double.
  for_each_grouped_projection_block(X, N, probe.dim, probe.axes.data(), probe.offsets, score_rows);
  return scores;
}

std::vector<int32_t> predict_qda(const QdaProbe& probe, const float* X, int64_t N) {
  return argmax_rows(qda_scores(probe, X, N).data(), N, probe.num_classes);
}

}  // namespace mp::probes
