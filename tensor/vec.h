#pragma once
// Vector primitives reused by every kernel (ggml's vec.h idea): contiguous float32 arrays of
// length n. Bodies are written for the compiler's vectoriser (`#pragma omp simd`, compiled with
// -march=native; the remainder loop is the scalar tail the compiler emits). No threading here:
// callers decide how to split work. No -ffast-math: reductions use explicit simd reductions,
// whose order is fixed at compile time, so results are reproducible run to run.
#include <cmath>
#include <cstdint>

namespace mp {

inline void vec_add(int64_t n, const float* a, const float* b, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
inline void vec_sub(int64_t n, const float* a, const float* b, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] - b[i];
}
inline void vec_mul(int64_t n, const float* a, const float* b, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}
inline void vec_div(int64_t n, const float* a, const float* b, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] / b[i];
}
// y = s * x
inline void vec_scale(int64_t n, const float* x, float s, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = s * x[i];
}
// y += a * x (not fused: a*x is rounded before the add, matching the reference bit for bit)
inline void vec_axpy(int64_t n, float a, const float* x, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}
// y += x
inline void vec_acc(int64_t n, const float* x, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}
// y += s (a scalar)
inline void vec_add_scalar(int64_t n, float s, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += s;
}
inline void vec_set(int64_t n, float v, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = v;
}
// y = max(x, 0). Written `x <= 0 ? 0 : x` so a NaN input stays NaN (like PyTorch): divergence
// must stay visible to the NaN checks downstream instead of being silently zeroed.
inline void vec_relu(int64_t n, const float* x, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] <= 0.0f ? 0.0f : x[i];
}
// y = max(x + b, 0)
inline void vec_add_relu(int64_t n, const float* x, const float* b, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] + b[i];
    y[i] = v <= 0.0f ? 0.0f : v;
  }
}
// dx = y > 0 ? dy : 0
inline void vec_relu_bwd(int64_t n, const float* y, const float* dy, float* dx) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
// sum of x in double
inline double vec_sum(int64_t n, const float* x) {
  double acc = 0.0;
#pragma omp simd reduction(+ : acc)
  for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(x[i]);
  return acc;
}
// dot product in double
inline double vec_dot(int64_t n, const float* a, const float* b) {
  double acc = 0.0;
#pragma omp simd reduction(+ : acc)
  for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return acc;
}
// max of x (n >= 1); NaNs are ignored unless all are NaN (use vec_argmax to see NaNs).
inline float vec_max(int64_t n, const float* x) {
  float m = x[0];
#pragma omp simd reduction(max : m)
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
// index of the first maximum (n >= 1); a NaN counts as larger than anything, first NaN wins.
inline int64_t vec_argmax(int64_t n, const float* x) {
  int64_t best = 0;
  float m = x[0];
  if (std::isnan(m)) return 0;
  for (int64_t i = 1; i < n; ++i) {
    if (std::isnan(x[i])) return i;
    if (x[i] > m) {
      m = x[i];
      best = i;
    }
  }
  return best;
}

}  // namespace mp
