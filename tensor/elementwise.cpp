#include "tensor/elementwise.h"

#include <vector>

#include "tensor/check.h"
#include "tensor/parallel.h"
#include "tensor/vec.h"

namespace mp {

namespace {
constexpr int64_t kLine = 16;  // floats per 64-byte cache line: threads never share a line
}

// ---- flat binary / unary ops: a, b, x, y [n] ----

void add_f32(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_add(i1 - i0, a + i0, b + i0, y + i0); }, kLine);
}
void sub_f32(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_sub(i1 - i0, a + i0, b + i0, y + i0); }, kLine);
}
void mul_f32(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_mul(i1 - i0, a + i0, b + i0, y + i0); }, kLine);
}
void div_f32(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_div(i1 - i0, a + i0, b + i0, y + i0); }, kLine);
}
void scale_f32(const float* x, float s, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_scale(i1 - i0, x + i0, s, y + i0); }, kLine);
}
void axpy_f32(float a, const float* x, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_axpy(i1 - i0, a, x + i0, y + i0); }, kLine);
}
void relu_fwd(const float* x, float* y, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_relu(i1 - i0, x + i0, y + i0); }, kLine);
}
void relu_bwd(const float* y, const float* dy, float* dx, int64_t n) {
  parallel_for_stream(
      n, 1, [&](int64_t i0, int64_t i1) { vec_relu_bwd(i1 - i0, y + i0, dy + i0, dx + i0); },
      kLine);
}

// ---- row / channel broadcasts ----

void bias_add_rows(float* y, const float* b, int64_t M, int64_t N) {
  parallel_for_stream(M, N, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) vec_acc(N, b, y + r * N);
  });
}

void bias_relu_rows(float* y, const float* b, int64_t M, int64_t N) {
  parallel_for_stream(M, N, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) vec_add_relu(N, y + r * N, b, y + r * N);
  });
}

void bias_add_channels(float* y, const float* b, int64_t N, int64_t C, int64_t HW) {
  // One (image, channel) plane per item; each plane gets one scalar.
  parallel_for_stream(N * C, HW, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) vec_add_scalar(HW, b[p % C], y + p * HW);
  });
}

// ---- reductions (double accumulation, fixed order per output element) ----

void sum_rows(const float* x, int64_t M, int64_t N, float* y) {
  // Split the N columns among threads; each thread walks all rows for its columns, adding a
  // row segment at a time into a double accumulator (contiguous, so it vectorises).
  parallel_for_stream(
      N, M,
      [&](int64_t j0, int64_t j1) {
        const int64_t w = j1 - j0;
        thread_local std::vector<double> acc;  // reused: no allocation per training step
        if (static_cast<int64_t>(acc.size()) < w) acc.resize(static_cast<size_t>(w));
        double* a = acc.data();
        for (int64_t j = 0; j < w; ++j) a[j] = 0.0;
        for (int64_t r = 0; r < M; ++r) {
          const float* row = x + r * N + j0;
#pragma omp simd
          for (int64_t j = 0; j < w; ++j) a[j] += static_cast<double>(row[j]);
        }
        for (int64_t j = 0; j < w; ++j) y[j0 + j] = static_cast<float>(a[j]);
      },
      kLine);
}

void sum_channels(const float* x, int64_t N, int64_t C, int64_t HW, float* y) {
  parallel_for_stream(C, N * HW, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double acc = 0.0;
      for (int64_t n = 0; n < N; ++n) acc += vec_sum(HW, x + (n * C + c) * HW);
      y[c] = static_cast<float>(acc);
    }
  });
}

// ---- reference twins: plain loops ----

void add_f32_ref(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
void sub_f32_ref(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] - b[i];
}
void mul_f32_ref(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}
void div_f32_ref(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] / b[i];
}
void scale_f32_ref(const float* x, float s, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = s * x[i];
}
void axpy_f32_ref(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}
void relu_fwd_ref(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] <= 0.0f ? 0.0f : x[i];
}
void relu_bwd_ref(const float* y, const float* dy, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
void bias_add_rows_ref(float* y, const float* b, int64_t M, int64_t N) {
  for (int64_t r = 0; r < M; ++r)
    for (int64_t j = 0; j < N; ++j) y[r * N + j] += b[j];
}
void bias_relu_rows_ref(float* y, const float* b, int64_t M, int64_t N) {
  for (int64_t r = 0; r < M; ++r)
    for (int64_t j = 0; j < N; ++j) {
      const float v = y[r * N + j] + b[j];
      y[r * N + j] = v <= 0.0f ? 0.0f : v;
    }
}
void bias_add_channels_ref(float* y, const float* b, int64_t N, int64_t C, int64_t HW) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) y[(n * C + c) * HW + i] += b[c];
}
void sum_rows_ref(const float* x, int64_t M, int64_t N, float* y) {
  for (int64_t j = 0; j < N; ++j) {
    double acc = 0.0;
    for (int64_t r = 0; r < M; ++r) acc += x[r * N + j];
    y[j] = static_cast<float>(acc);
  }
}
void sum_channels_ref(const float* x, int64_t N, int64_t C, int64_t HW, float* y) {
  for (int64_t c = 0; c < C; ++c) {
    double acc = 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) acc += x[(n * C + c) * HW + i];
    y[c] = static_cast<float>(acc);
  }
}

}  // namespace mp
