#pragma once
// Synthetic activations with known class structure, shared by the probe tests.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/rng.h"

namespace mp::probes::testing {

// q orthonormal rows of length d (Gram-Schmidt on Gaussian rows, twice for accuracy).
inline std::vector<double> random_orthonormal(int q, int64_t d, uint32_t seed) {
  mp::Rng rng(seed);
  std::vector<double> Q(static_cast<size_t>(q * d));
  for (auto& v : Q) v = rng.normal();
  for (int i = 0; i < q; ++i) {
    double* qi = Q.data() + i * d;
    for (int pass = 0; pass < 2; ++pass) {
      for (int j = 0; j < i; ++j) {
        const double* qj = Q.data() + j * d;
        double dot = 0;
        for (int64_t t = 0; t < d; ++t) dot += qi[t] * qj[t];
        for (int64_t t = 0; t < d; ++t) qi[t] -= dot * qj[t];
      }
    }
    double n = 0;
    for (int64_t t = 0; t < d; ++t) n += qi[t] * qi[t];
    n = std::sqrt(n);
    for (int64_t t = 0; t < d; ++t) qi[t] /= n;
  }
  return Q;
}

// Class c spans exactly `rank` of the orthonormal directions Q[c*rank .. c*rank+rank) (mutually
// orthogonal subspaces), noiseless: x = sum_r z_r q_r with z_r in [0.5, 1.5] * scale_r, the
// scales distinct (1, 0.6, 0.35, ...) so the spectrum has clear gaps. Rows cycle through classes.
struct SubspaceData {
  int64_t n = 0, d = 0;
  int classes = 0, rank = 0;
  std::vector<double> Q;  // classes*rank x d
  std::vector<float> X;
  std::vector<int32_t> y;
};

inline SubspaceData subspace_data(int64_t n, int64_t d, int classes, int rank, uint32_t seed,
                                  const std::vector<double>* Q_in = nullptr) {
  SubspaceData s;
  s.n = n;
  s.d = d;
  s.classes = classes;
  s.rank = rank;
  s.Q = Q_in ? *Q_in : random_orthonormal(classes * rank, d, seed);
  mp::Rng rng(seed + 17);
  s.X.assign(static_cast<size_t>(n * d), 0.0f);
  s.y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % classes);
    s.y[static_cast<size_t>(i)] = c;
    double scale = 1.0;
    std::vector<double> x(static_cast<size_t>(d), 0.0);
    for (int r = 0; r < rank; ++r) {
      const double z = scale * (0.5 + rng.uniform_double());
      const double* q = s.Q.data() + (c * rank + r) * d;
      for (int64_t t = 0; t < d; ++t) x[static_cast<size_t>(t)] += z * q[t];
      scale *= 0.6;
    }
    for (int64_t t = 0; t < d; ++t) s.X[static_cast<size_t>(i * d + t)] = static_cast<float>(x[t]);
  }
  return s;
}

// Projector V^T V (d x d) of k orthonormal rows.
inline std::vector<double> projector(const std::vector<double>& V, int k, int64_t d) {
  std::vector<double> P(static_cast<size_t>(d * d), 0.0);
  for (int j = 0; j < k; ++j) {
    for (int64_t a = 0; a < d; ++a) {
      for (int64_t b = 0; b < d; ++b) P[a * d + b] += V[j * d + a] * V[j * d + b];
    }
  }
  return P;
}

inline double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return a.size() == b.size() ? m : INFINITY;
}

// The smallest gap, over the rows of an N x K score matrix, between the top score and the
// runner-up. Two computations of the scores that differ by at most e per element predict the
// same class for every row when this exceeds 2e: that is what makes an exact comparison of
// their predictions sound (rounding may differ from one BLAS kernel to another).
inline double min_top2_margin(const std::vector<double>& s, int64_t N, int K) {
  double margin = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < N; ++i) {
    double top = -std::numeric_limits<double>::infinity(), second = top;
    for (int c = 0; c < K; ++c) {
      const double v = s[static_cast<size_t>(i * K + c)];
      if (v > top) {
        second = top;
        top = v;
      } else if (v > second) {
        second = v;
      }
    }
    margin = std::min(margin, top - second);
  }
  return margin;
}

// K overlapping Gaussian classes in d dimensions (class means on random directions, shared
// isotropic noise), so MASC keeps many components per class and its margins spread from large to
// nearly zero: the regime of real activations, where float scoring has something to lose.
struct Blobs {
  int64_t n = 0, d = 0;
  int K = 0;
  std::vector<float> X;
  std::vector<int32_t> y;
};

inline Blobs blobs(int64_t n, int64_t d, int K, uint32_t seed) {
  mp::Rng rng(seed);
  Blobs b{n, d, K, std::vector<float>(static_cast<size_t>(n * d)),
          std::vector<int32_t>(static_cast<size_t>(n))};
  std::vector<double> mean(static_cast<size_t>(K * d));
  for (auto& v : mean) v = 0.6 * rng.normal();
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % K);
    b.y[static_cast<size_t>(i)] = c;
    for (int64_t t = 0; t < d; ++t) {
      // Nonnegative with a spread of magnitudes, like ReLU activations.
      const double v = mean[static_cast<size_t>(c * d + t)] + rng.normal();
      b.X[static_cast<size_t>(i * d + t)] = static_cast<float>(v > 0 ? v : 0.05 * v);
    }
  }
  return b;
}

}  // namespace mp::probes::testing
