#include "tensor/batchnorm.h"

#include <cmath>

#include "tensor/check.h"
#include "tensor/parallel.h"
#include "tensor/vec.h"

namespace mp {

namespace {

void check_bn(int64_t N, int64_t C, int64_t HW, const char* who) {
  MP_CHECK(N >= 1 && C >= 1 && HW >= 1, who << ": bad shape N=" << N << " C=" << C << " HW=" << HW);
}

}  // namespace

// Each channel is independent, so channels are the unit of parallel work; within a channel the
// N planes are visited in order, so results do not depend on the thread count.

void batchnorm2d_fwd_train(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                           const float* beta, float eps, float momentum, float* running_mean,
                           float* running_var, float* y, float* save_mean, float* save_invstd) {
  check_bn(N, C, HW, "batchnorm2d_fwd_train");
  const int64_t cnt = N * HW;
  MP_CHECK(cnt > 1, "batchnorm2d_fwd_train: need more than 1 value per channel, got " << cnt);
  parallel_for_stream(C, 3 * cnt, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double s = 0.0;
      for (int64_t n = 0; n < N; ++n) s += vec_sum(HW, x + (n * C + c) * HW);
      const double mean = s / static_cast<double>(cnt);
      double ss = 0.0;  // two-pass variance: no cancellation when |mean| >> std
      for (int64_t n = 0; n < N; ++n) {
        const float* xp = x + (n * C + c) * HW;
#pragma omp simd reduction(+ : ss)
        for (int64_t i = 0; i < HW; ++i) {
          const double d = xp[i] - mean;
          ss += d * d;
        }
      }
      const double var = ss / static_cast<double>(cnt);
      const double invstd = 1.0 / std::sqrt(var + eps);
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      const float scale = static_cast<float>(g * invstd);
      const float shift = static_cast<float>(b - mean * g * invstd);
      for (int64_t n = 0; n < N; ++n) {
        const float* xp = x + (n * C + c) * HW;
        float* yp = y + (n * C + c) * HW;
#pragma omp simd
        for (int64_t i = 0; i < HW; ++i) yp[i] = xp[i] * scale + shift;
      }
      save_mean[c] = static_cast<float>(mean);
      save_invstd[c] = static_cast<float>(invstd);
      if (running_mean)
        running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
      if (running_var)
        running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] +
                                            momentum * var * cnt / static_cast<double>(cnt - 1));
    }
  });
}

void batchnorm2d_fwd_eval(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                          const float* beta, const float* running_mean, const float* running_var,
                          float eps, float* y) {
  check_bn(N, C, HW, "batchnorm2d_fwd_eval");
  parallel_for_stream(N * C, HW, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t c = p % C;
      const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      const float scale = static_cast<float>(g * invstd);
      const float shift = static_cast<float>(b - running_mean[c] * g * invstd);
      const float* xp = x + p * HW;
      float* yp = y + p * HW;
#pragma omp simd
      for (int64_t i = 0; i < HW; ++i) yp[i] = xp[i] * scale + shift;
    }
  });
}

void batchnorm2d_bwd(const float* dy, const float* x, int64_t N, int64_t C, int64_t HW,
                     const float* gamma, const float* save_mean, const float* save_invstd,
                     float* dx, float* dgamma, float* dbeta) {
  check_bn(N, C, HW, "batchnorm2d_bwd");
  const int64_t cnt = N * HW;
  parallel_for_stream(C, 3 * cnt, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const float mean = save_mean[c], invstd = save_invstd[c];
      double sdy = 0.0, sdyx = 0.0;  // sum dy, sum dy * (x - mean)
      for (int64_t n = 0; n < N; ++n) {
        const float* dp = dy + (n * C + c) * HW;
        const float* xp = x + (n * C + c) * HW;
#pragma omp simd reduction(+ : sdy, sdyx)
        for (int64_t i = 0; i < HW; ++i) {
          sdy += dp[i];
          sdyx += static_cast<double>(dp[i]) * (xp[i] - mean);
        }
      }
      const double g = gamma ? gamma[c] : 1.0;
      if (dbeta) dbeta[c] = static_cast<float>(sdy);
      if (dgamma) dgamma[c] = static_cast<float>(sdyx * invstd);
      if (!dx) continue;
      // dx = g*invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), xhat = (x - mean) * invstd
      const double k = g * invstd;
      const float a = static_cast<float>(k);
      const float b = static_cast<float>(-k * sdy / cnt);
      const float e = static_cast<float>(-k * sdyx * invstd * invstd / cnt);
      for (int64_t n = 0; n < N; ++n) {
        const float* dp = dy + (n * C + c) * HW;
        const float* xp = x + (n * C + c) * HW;
        float* o = dx + (n * C + c) * HW;
#pragma omp simd
        for (int64_t i = 0; i < HW; ++i) o[i] = a * dp[i] + b + e * (xp[i] - mean);
      }
    }
  });
}

// ---- reference twins: per-element double arithmetic, textbook formulas ----

void batchnorm2d_fwd_train_ref(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                               const float* beta, float eps, float momentum, float* running_mean,
                               float* running_var, float* y, float* save_mean, float* save_invstd) {
  check_bn(N, C, HW, "batchnorm2d_fwd_train_ref");
  const int64_t cnt = N * HW;
  MP_CHECK(cnt > 1, "batchnorm2d_fwd_train_ref: need more than 1 value per channel");
  for (int64_t c = 0; c < C; ++c) {
    double mean = 0.0, var = 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) mean += x[(n * C + c) * HW + i];
    mean /= cnt;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) {
        const double d = x[(n * C + c) * HW + i] - mean;
        var += d * d;
      }
    var /= cnt;
    const double invstd = 1.0 / std::sqrt(var + eps);
    const double g = gamma ? gamma[c] : 1.0, b = beta ? beta[c] : 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) {
        const int64_t k = (n * C + c) * HW + i;
        y[k] = static_cast<float>((x[k] - mean) * invstd * g + b);
      }
    save_mean[c] = static_cast<float>(mean);
    save_invstd[c] = static_cast<float>(invstd);
    if (running_mean)
      running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
    if (running_var)
      running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] +
                                          momentum * var * cnt / (cnt - 1.0));
  }
}

void batchnorm2d_fwd_eval_ref(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                              const float* beta, const float* running_mean,
                              const float* running_var, float eps, float* y) {
  check_bn(N, C, HW, "batchnorm2d_fwd_eval_ref");
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) {
        const int64_t k = (n * C + c) * HW + i;
        const double g = gamma ? gamma[c] : 1.0, b = beta ? beta[c] : 0.0;
        y[k] = static_cast<float>((x[k] - running_mean[c]) /
                                      std::sqrt(static_cast<double>(running_var[c]) + eps) * g +
                                  b);
      }
}

void batchnorm2d_bwd_ref(const float* dy, const float* x, int64_t N, int64_t C, int64_t HW,
                         const float* gamma, const float* save_mean, const float* save_invstd,
                         float* dx, float* dgamma, float* dbeta) {
  check_bn(N, C, HW, "batchnorm2d_bwd_ref");
  const double cnt = static_cast<double>(N * HW);
  for (int64_t c = 0; c < C; ++c) {
    const double mean = save_mean[c], invstd = save_invstd[c];
    const double g = gamma ? gamma[c] : 1.0;
    double sdy = 0.0, sdyxh = 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) {
        const int64_t k = (n * C + c) * HW + i;
        sdy += dy[k];
        sdyxh += dy[k] * (x[k] - mean) * invstd;
      }
    if (dbeta) dbeta[c] = static_cast<float>(sdy);
    if (dgamma) dgamma[c] = static_cast<float>(sdyxh);
    if (!dx) continue;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) {
        const int64_t k = (n * C + c) * HW + i;
        const double xh = (x[k] - mean) * invstd;
        dx[k] = static_cast<float>(g * invstd * (dy[k] - sdy / cnt - xh * sdyxh / cnt));
      }
  }
}

}  // namespace mp
