#include "tensor/softmax.h"

#include <cmath>
#include <vector>

#include "tensor/check.h"
#include "tensor/parallel.h"
#include "tensor/vec.h"

namespace mp {

namespace {

void check_targets(const int32_t* targets, int64_t M, int64_t N, const char* who) {
  for (int64_t i = 0; i < M; ++i)
    MP_CHECK(targets[i] >= 0 && targets[i] < N,
             who << ": target " << targets[i] << " of row " << i << " outside [0, " << N << ")");
}

// Row x [N] -> (max, log sum exp(x - max)); exp in float, the sum in double.
inline void row_lse(const float* x, int64_t N, float* mx, double* log_sum) {
  const float m = vec_max(N, x);
  double s = 0.0;
  for (int64_t j = 0; j < N; ++j) s += std::exp(x[j] - m);
  *mx = m;
  *log_sum = std::log(s);
}

}  // namespace

void log_softmax_rows(const float* x, int64_t M, int64_t N, float* y) {
  MP_CHECK(M >= 0 && N >= 1, "log_softmax_rows: bad shape [" << M << ", " << N << "]");
  parallel_for(M, 16 * N, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      float m;
      double ls;
      row_lse(x + i * N, N, &m, &ls);
      // (x - m) first: subtracting a rounded m + lse would lose digits when |m| is large.
      const float l = static_cast<float>(ls);
      for (int64_t j = 0; j < N; ++j) y[i * N + j] = (x[i * N + j] - m) - l;
    }
  });
}

double cross_entropy_fwd(const float* logits, const int32_t* targets, int64_t M, int64_t N,
                         float* probs) {
  MP_CHECK(M >= 1 && N >= 1, "cross_entropy_fwd: bad shape [" << M << ", " << N << "]");
  check_targets(targets, M, N, "cross_entropy_fwd");
  // Per-row losses land in their own slots and are summed serially afterwards, so the result
  // does not depend on how rows were split among threads.
  thread_local std::vector<double> row_loss;
  row_loss.resize(static_cast<size_t>(M));
  double* rl = row_loss.data();
  parallel_for(M, 16 * N, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const float* x = logits + i * N;
      float* p = probs + i * N;
      const float m = vec_max(N, x);
      double s = 0.0;
      for (int64_t j = 0; j < N; ++j) {
        p[j] = std::exp(x[j] - m);
        s += p[j];
      }
      const float inv = static_cast<float>(1.0 / s);
      vec_scale(N, p, inv, p);
      rl[i] = std::log(s) - static_cast<double>(x[targets[i]] - m);
    }
  });
  double total = 0.0;
  for (int64_t i = 0; i < M; ++i) total += rl[i];
  return total / static_cast<double>(M);
}

void cross_entropy_bwd(const float* probs, const int32_t* targets, int64_t M, int64_t N,
                       float dloss, float* dlogits) {
  MP_CHECK(M >= 1 && N >= 1, "cross_entropy_bwd: bad shape [" << M << ", " << N << "]");
  check_targets(targets, M, N, "cross_entropy_bwd");
  const float s = dloss / static_cast<float>(M);
  parallel_for_stream(M, N, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      vec_scale(N, probs + i * N, s, dlogits + i * N);
      dlogits[i * N + targets[i]] = (probs[i * N + targets[i]] - 1.0f) * s;
    }
  });
}

// ---- reference twins: everything in double ----

void log_softmax_rows_ref(const float* x, int64_t M, int64_t N, float* y) {
  MP_CHECK(M >= 0 && N >= 1, "log_softmax_rows_ref: bad shape");
  for (int64_t i = 0; i < M; ++i) {
    double m = x[i * N];
    for (int64_t j = 1; j < N; ++j) m = x[i * N + j] > m ? x[i * N + j] : m;
    double s = 0.0;
    for (int64_t j = 0; j < N; ++j) s += std::exp(x[i * N + j] - m);
    for (int64_t j = 0; j < N; ++j)
      y[i * N + j] = static_cast<float>(x[i * N + j] - m - std::log(s));
  }
}

double cross_entropy_fwd_ref(const float* logits, const int32_t* targets, int64_t M, int64_t N,
                             float* probs) {
  MP_CHECK(M >= 1 && N >= 1, "cross_entropy_fwd_ref: bad shape");
  check_targets(targets, M, N, "cross_entropy_fwd_ref");
  double total = 0.0;
  for (int64_t i = 0; i < M; ++i) {
    const float* x = logits + i * N;
    double m = x[0];
    for (int64_t j = 1; j < N; ++j) m = x[j] > m ? x[j] : m;
    double s = 0.0;
    for (int64_t j = 0; j < N; ++j) s += std::exp(x[j] - m);
    for (int64_t j = 0; j < N; ++j) probs[i * N + j] = static_cast<float>(std::exp(x[j] - m) / s);
    total += -(x[targets[i]] - m - std::log(s));
  }
  return total / static_cast<double>(M);
}

void cross_entropy_bwd_ref(const float* probs, const int32_t* targets, int64_t M, int64_t N,
                           float dloss, float* dlogits) {
  MP_CHECK(M >= 1 && N >= 1, "cross_entropy_bwd_ref: bad shape");
  check_targets(targets, M, N, "cross_entropy_bwd_ref");
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      const double onehot = j == targets[i] ? 1.0 : 0.0;
      dlogits[i * N + j] = static_cast<float>(dloss * (probs[i * N + j] - onehot) / M);
    }
}

}  // namespace mp
