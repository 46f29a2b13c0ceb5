#include <catch2/catch.hpp>

#include <cmath>

#include "kernel_check.h"
#include "tensor/elementwise.h"
#include "tensor/threads.h"

using mp::testing::bit_equal;
using mp::testing::random_vec;

// Sizes around the SIMD widths (8/16 floats), the cache-line split (16) and the parallel
// threshold (kParallelMinWork), so both the serial and the threaded paths run.
static const int64_t kSizes[] = {1, 7, 16, 33, 129, 1000, mp::kParallelMinWork + 13, 100003};

TEST_CASE("flat element-wise kernels equal their references bit for bit", "[tensor][elementwise]") {
  for (int64_t n : kSizes) {
    INFO("n = " << n);
    auto a = random_vec(n, 1), b = random_vec(n, 2, 0.5f, 2.0f);
    std::vector<float> y(n), r(n);
    mp::add_f32(a.data(), b.data(), y.data(), n), mp::add_f32_ref(a.data(), b.data(), r.data(), n);
    REQUIRE(bit_equal(y, r));
    mp::sub_f32(a.data(), b.data(), y.data(), n), mp::sub_f32_ref(a.data(), b.data(), r.data(), n);
    REQUIRE(bit_equal(y, r));
    mp::mul_f32(a.data(), b.data(), y.data(), n), mp::mul_f32_ref(a.data(), b.data(), r.data(), n);
    REQUIRE(bit_equal(y, r));
    mp::div_f32(a.data(), b.data(), y.data(), n), mp::div_f32_ref(a.data(), b.data(), r.data(), n);
    REQUIRE(bit_equal(y, r));
    mp::scale_f32(a.data(), -1.5f, y.data(), n), mp::scale_f32_ref(a.data(), -1.5f, r.data(), n);
    REQUIRE(bit_equal(y, r));
    y = b, r = b;
    mp::axpy_f32(0.3f, a.data(), y.data(), n), mp::axpy_f32_ref(0.3f, a.data(), r.data(), n);
    REQUIRE(bit_equal(y, r));
    mp::relu_fwd(a.data(), y.data(), n), mp::relu_fwd_ref(a.data(), r.data(), n);
    REQUIRE(bit_equal(y, r));
    auto dy = random_vec(n, 3);
    std::vector<float> dx(n, 7.0f), dr(n, -7.0f);  // garbage: relu_bwd must overwrite
    mp::relu_bwd(y.data(), dy.data(), dx.data(), n);
    mp::relu_bwd_ref(y.data(), dy.data(), dr.data(), n);
    REQUIRE(bit_equal(dx, dr));
  }
}

TEST_CASE("element-wise kernels on hand-checked values, in place, and NaN through ReLU",
          "[tensor][elementwise]") {
  std::vector<float> a = {1, -2, 3, -4, 0, NAN}, b = {2, 2, 2, 2, 2, 2}, y(6);
  mp::add_f32(a.data(), b.data(), y.data(), 5);
  REQUIRE(std::vector<float>(y.begin(), y.begin() + 5) == std::vector<float>({3, 0, 5, -2, 2}));
  mp::div_f32(a.data(), b.data(), a.data(), 4);  // in place
  REQUIRE(std::vector<float>(a.begin(), a.begin() + 4) == std::vector<float>({0.5f, -1, 1.5f, -2}));
  std::vector<float> x = {-1, 0, 2.5f, NAN, -0.0f}, r(5);
  mp::relu_fwd(x.data(), r.data(), 5);
  REQUIRE(r[0] == 0.0f);
  REQUIRE(r[1] == 0.0f);
  REQUIRE(r[2] == 2.5f);
  REQUIRE(std::isnan(r[3]));  // divergence must stay visible
  REQUIRE(!std::signbit(r[4]));
  std::vector<float> dy = {10, 20, 30, 40, 50}, dx(5, 99.0f);
  mp::relu_bwd(r.data(), dy.data(), dx.data(), 5);
  REQUIRE(dx == std::vector<float>({0, 0, 30, 0, 0}));
}

TEST_CASE("bias and reduction kernels match references on awkward shapes",
          "[tensor][elementwise]") {
  const int64_t shapes[][2] = {{1, 1},     {1, 7},    {7, 1},    {33, 129},
                               {32, 2048}, {129, 33}, {1000, 10}};
  for (auto& s : shapes) {
    const int64_t M = s[0], N = s[1];
    INFO("M=" << M << " N=" << N);
    auto x = random_vec(M * N, 11), b = random_vec(N, 12);
    auto y = x, r = x;
    mp::bias_add_rows(y.data(), b.data(), M, N), mp::bias_add_rows_ref(r.data(), b.data(), M, N);
    REQUIRE(bit_equal(y, r));
    y = x, r = x;
    mp::bias_relu_rows(y.data(), b.data(), M, N), mp::bias_relu_rows_ref(r.data(), b.data(), M, N);
    REQUIRE(bit_equal(y, r));
    std::vector<float> sy(N, 5.0f), sr(N, -5.0f);
    mp::sum_rows(x.data(), M, N, sy.data()), mp::sum_rows_ref(x.data(), M, N, sr.data());
    // Both accumulate in double; only the summation order may differ.
    MP_REQUIRE_VEC_CLOSE(sy, sr, 1e-6, 1e-6);
  }
  const int64_t nchw[][3] = {{1, 1, 1}, {2, 3, 7}, {5, 16, 33}, {128, 16, 196}, {3, 64, 49}};
  for (auto& s : nchw) {
    const int64_t N = s[0], C = s[1], HW = s[2];
    INFO("N=" << N << " C=" << C << " HW=" << HW);
    auto x = random_vec(N * C * HW, 21), b = random_vec(C, 22);
    auto y = x, r = x;
    mp::bias_add_channels(y.data(), b.data(), N, C, HW);
    mp::bias_add_channels_ref(r.data(), b.data(), N, C, HW);
    REQUIRE(bit_equal(y, r));
    std::vector<float> sy(C, 5.0f), sr(C, -5.0f);
    mp::sum_channels(x.data(), N, C, HW, sy.data());
    mp::sum_channels_ref(x.data(), N, C, HW, sr.data());
    MP_REQUIRE_VEC_CLOSE(sy, sr, 1e-6, 1e-6);
  }
}

TEST_CASE("bias kernels on hand-computed values", "[tensor][elementwise]") {
  std::vector<float> y = {1, -2, 3, -4, 5, -6}, b = {0.5f, 1.0f, -1.0f};
  mp::bias_relu_rows(y.data(), b.data(), 2, 3);
  REQUIRE(y == std::vector<float>({1.5f, 0, 2, 0, 6, 0}));
  std::vector<float> s(3);
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  mp::sum_rows(x.data(), 2, 3, s.data());
  REQUIRE(s == std::vector<float>({5, 7, 9}));
  // x as [N=1, C=2, HW=3]: channel sums 6 and 15
  std::vector<float> c(2);
  mp::sum_channels(x.data(), 1, 2, 3, c.data());
  REQUIRE(c == std::vector<float>({6, 15}));
  mp::bias_add_channels(x.data(), std::vector<float>({10, 20}).data(), 1, 2, 3);
  REQUIRE(x == std::vector<float>({11, 12, 13, 24, 25, 26}));
}
