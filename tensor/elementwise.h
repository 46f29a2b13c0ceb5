#pragma once
// Flat element-wise kernels on contiguous float32 buffers (the hot loops of MLP/CNN training).
// Each fast kernel is vectorised (tensor/vec.h) and OpenMP-parallel only above kParallelMinWork;
// each has a plain _ref twin used as the test oracle. In-place use (y == a or y == x) is allowed.
#include <cstdint>

namespace mp {

// a, b, y: [n]
void add_f32(const float* a, const float* b, float* y, int64_t n);  // y = a + b
void sub_f32(const float* a, const float* b, float* y, int64_t n);  // y = a - b
void mul_f32(const float* a, const float* b, float* y, int64_t n);  // y = a * b
void div_f32(const float* a, const float* b, float* y, int64_t n);  // y = a / b
void scale_f32(const float* x, float s, float* y, int64_t n);       // y = s * x
void axpy_f32(float a, const float* x, float* y, int64_t n);        // y += a * x
void relu_fwd(const float* x, float* y, int64_t n);                 // y = max(x, 0)
// dx = dy where y > 0 else 0 (OVERWRITES dx); y is the forward OUTPUT.
void relu_bwd(const float* y, const float* dy, float* dx, int64_t n);
// y [M,N] += b [N]
void bias_add_rows(float* y, const float* b, int64_t M, int64_t N);
// y [M,N] = max(y + b [N], 0), fused so the activation is touched once
void bias_relu_rows(float* y, const float* b, int64_t M, int64_t N);
// y [N,C,HW] += b [C]
void bias_add_channels(float* y, const float* b, int64_t N, int64_t C, int64_t HW);
// x [M,N] -> y [N] = sum over rows (OVERWRITES y); the bias gradient of a Linear layer
void sum_rows(const float* x, int64_t M, int64_t N, float* y);
// x [N,C,HW] -> y [C] = sum over N and HW (OVERWRITES y); the bias gradient of a Conv2d layer
void sum_channels(const float* x, int64_t N, int64_t C, int64_t HW, float* y);

void add_f32_ref(const float* a, const float* b, float* y, int64_t n);
void sub_f32_ref(const float* a, const float* b, float* y, int64_t n);
void mul_f32_ref(const float* a, const float* b, float* y, int64_t n);
void div_f32_ref(const float* a, const float* b, float* y, int64_t n);
void scale_f32_ref(const float* x, float s, float* y, int64_t n);
void axpy_f32_ref(float a, const float* x, float* y, int64_t n);
void relu_fwd_ref(const float* x, float* y, int64_t n);
void relu_bwd_ref(const float* y, const float* dy, float* dx, int64_t n);
void bias_add_rows_ref(float* y, const float* b, int64_t M, int64_t N);
void bias_relu_rows_ref(float* y, const float* b, int64_t M, int64_t N);
void bias_add_channels_ref(float* y, const float* b, int64_t N, int64_t C, int64_t HW);
void sum_rows_ref(const float* x, int64_t M, int64_t N, float* y);
void sum_channels_ref(const float* x, int64_t N, int64_t C, int64_t HW, float* y);

}  // namespace mp
