#include "probes/knn.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>

#include "probes/class_eigen.h"
#include "tensor/check.h"
#include "tensor/gemm.h"
#include "tensor/threads.h"

namespace mp::probes {

namespace {

// Row r of X (d floats) -> 1 / ||x|| in double, 0 for a zero row (its cosine is defined as 0).
double inverse_norm(const float* x, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(x[j]) * x[j];
  return s > 0 ? 1.0 / std::sqrt(s) : 0.0;
}

// Rows [r0, r0 + n) of X (d columns) as double, row-major n x d.
void to_double(const float* X, int64_t r0, int64_t n, int64_t d, double* out) {
  const float* src = X + r0 * d;
  for (int64_t i = 0; i < n * d; ++i) out[i] = src[i];
}

// One query row's running top-k, best first: (similarity desc, training index asc).
struct TopK {
  double* sim;
  int64_t* idx;
  int k;
  int count;
  void offer(double s, int64_t j) {
    if (count == k && !(s > sim[k - 1] || (s == sim[k - 1] && j < idx[k - 1]))) return;
    int p = count < k ? count++ : k - 1;
    // Shift worse entries down; an equal similarity with a lower index stays ahead.
    while (p > 0 && (s > sim[p - 1] || (s == sim[p - 1] && j < idx[p - 1]))) {
      sim[p] = sim[p - 1];
      idx[p] = idx[p - 1];
      --p;
    }
    sim[p] = s;
    idx[p] = j;
  }
};

}  // namespace

// X: N x d float32 (kept by pointer), labels N in [0, K) -> the probe (norms in double).
KnnProbe fit_knn(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                 const KnnOptions& opts) {
  check_labels(labels, N, num_classes, "probes/fit_knn");
  MP_CHECK(N >= 1 && d >= 1, "probes/fit_knn: need rows and columns, got " << N << " x " << d);
  MP_CHECK(X != nullptr, "probes/fit_knn: X is null");
  MP_CHECK(opts.k >= 1, "probes/fit_knn: k=" << opts.k << " must be >= 1");
  MP_CHECK(opts.test_block >= 0 && opts.train_block >= 0,
           "probes/fit_knn: block sizes must be >= 0 (0 = default)");
  KnnProbe p;
  p.num_classes = num_classes;
  p.rows = N;
  p.dim = d;
  p.X = X;
  p.labels.assign(labels, labels + N);
  p.inv_norm.resize(static_cast<size_t>(N));
  for (int64_t i = 0; i < N; ++i) p.inv_norm[static_cast<size_t>(i)] = inverse_norm(X + i * d, d);
  p.opts = opts;
  return p;
}

// Q: M x d float32 -> M x k' neighbour indices (k' = min(k, N)), best first.
std::vector<int64_t> knn_neighbors(const KnnProbe& probe, const float* Q, int64_t M) {
  MP_CHECK(probe.X != nullptr && probe.rows >= 1 &&
               static_cast<int64_t>(probe.inv_norm.size()) == probe.rows,
           "probes/knn_neighbors: probe is not fitted");
  MP_CHECK(Q != nullptr || M == 0, "probes/knn_neighbors: Q is null with M=" << M);
  const int64_t N = probe.rows, d = probe.dim;
  const int k = static_cast<int>(std::min<int64_t>(probe.opts.k, N));
  const int64_t tb = std::min(std::max<int64_t>(1, M),
                              probe.opts.test_block > 0 ? probe.opts.test_block : int64_t{256});
  const int64_t nb = std::min(N, probe.opts.train_block > 0 ? probe.opts.train_block : 4096);
  std::vector<double> sim(static_cast<size_t>(M * k));
  std::vector<int64_t> idx(static_cast<size_t>(M * k), -1);
  std::vector<int> count(static_cast<size_t>(M), 0);
  std::vector<double> qinv(static_cast<size_t>(M));
  for (int64_t i = 0; i < M; ++i) qinv[static_cast<size_t>(i)] = inverse_norm(Q + i * d, d);
  if (M == 0) return idx;

  const int64_t qblocks = (M + tb - 1) / tb;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  // Query blocks run side by side, each dgemm single-threaded (OpenBLAS's OpenMP build is serial
  // inside a parallel region); every similarity comes from a dgemm of the same shape whichever
  // thread runs it. One query block: threaded BLAS instead.
  const bool par = threads > 1 && qblocks > 1 &&
                   static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(d) >
                       static_cast<double>(kParallelMinWork);
  const int64_t bufs = par ? threads : 1;
  std::vector<double> Tb(static_cast<size_t>(nb * d));
  std::vector<double> Qb(static_cast<size_t>(bufs * tb * d));
  std::vector<double> P(static_cast<size_t>(bufs * tb * nb));
  // Training blocks in index order, so an equal similarity met later never displaces an earlier
  // (lower-index) neighbour; TopK::offer also encodes the rule explicitly.
  for (int64_t j0 = 0; j0 < N; j0 += nb) {
    const int64_t nj = std::min(nb, N - j0);
    to_double(probe.X, j0, nj, d, Tb.data());
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (par)
    for (int64_t b = 0; b < qblocks; ++b) {
      const int64_t t = par ? omp_get_thread_num() : 0;
      const int64_t i0 = b * tb, ni = std::min(tb, M - i0);
      double* qb = Qb.data() + t * tb * d;
      double* pb = P.data() + t * tb * nb;
      try {
        to_double(Q, i0, ni, d, qb);
        dgemm(false, true, ni, nj, d, 1.0, qb, d, Tb.data(), d, 0.0, pb, nj);
        for (int64_t i = 0; i < ni; ++i) {
          const size_t row = static_cast<size_t>(i0 + i);
          TopK top{sim.data() + row * k, idx.data() + row * k, k, count[row]};
          const double qi = qinv[row];
          const double* p = pb + i * nj;
          for (int64_t j = 0; j < nj; ++j)
            top.offer(p[j] * qi * probe.inv_norm[static_cast<size_t>(j0 + j)], j0 + j);
          count[row] = top.count;
        }
      } catch (...) {
#pragma omp critical(mp_probes_knn_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  }
  return idx;
}

int32_t knn_vote(const int32_t* neighbor_labels, int k, int num_classes) {
  std::vector<int> votes(static_cast<size_t>(num_classes), 0);
  for (int j = 0; j < k; ++j) ++votes[static_cast<size_t>(neighbor_labels[j])];
  int best = 0;
  for (int c = 1; c < num_classes; ++c)
    if (votes[static_cast<size_t>(c)] > votes[static_cast<size_t>(best)]) best = c;
  return best;
}

std::vector<int32_t> predict_knn(const KnnProbe& probe, const float* Q, int64_t M) {
  const std::vector<int64_t> nn = knn_neighbors(probe, Q, M);
  const int k = static_cast<int>(std::min<int64_t>(probe.opts.k, probe.rows));
  std::vector<int32_t> out(static_cast<size_t>(M));
  std::vector<int32_t> lab(static_cast<size_t>(k));
  for (int64_t i = 0; i < M; ++i) {
    for (int j = 0; j < k; ++j)
      lab[static_cast<size_t>(j)] = probe.labels[static_cast<size_t>(nn[i * k + j])];
    out[static_cast<size_t>(i)] = knn_vote(lab.data(), k, probe.num_classes);
  }
  return out;
}

}  // namespace mp::probes
