#include <catch2/catch.hpp>

#include <cmath>

#include "kernel_check.h"
#include "tensor/pool.h"

using mp::Pool2dGeom;
using mp::testing::bit_equal;
using mp::testing::random_vec;

TEST_CASE("maxpool and avgpool by hand, with ties and padding", "[tensor][pool]") {
  // x [1,1,3,5]; 2x2 stride 2 -> [1,1,1,2] (floor drops the last row and column)
  const std::vector<float> x = {-2, -1, 0,  1,  2,  //
                                3,  -2, -1, 3,  1,  //
                                2,  3,  -2, -1, 0};
  Pool2dGeom g = Pool2dGeom::make(1, 1, 3, 5, 2, 2, 0);
  REQUIRE(g.OH == 1);
  REQUIRE(g.OW == 2);
  std::vector<float> y(2);
  std::vector<int32_t> idx(2);
  mp::maxpool2d_fwd(x.data(), g, y.data(), idx.data());
  REQUIRE(y == std::vector<float>({3, 3}));
  REQUIRE(idx == std::vector<int32_t>({5, 8}));
  std::vector<float> dx(15, 7.0f);
  mp::maxpool2d_bwd(std::vector<float>({10, 20}).data(), idx.data(), g, dx.data());
  std::vector<float> expect(15, 0.0f);
  expect[5] = 10, expect[8] = 20;
  REQUIRE(dx == expect);
  // Ties: the first maximum in row-major window order wins.
  const std::vector<float> t = {1, 1, 1, 1};
  g = Pool2dGeom::make(1, 1, 2, 2, 2, 2, 0);
  mp::maxpool2d_fwd(t.data(), g, y.data(), idx.data());
  REQUIRE(idx[0] == 0);
  // NaN propagates (and its position is recorded) on both the 2x2 fast path and the general one.
  const std::vector<float> n4 = {1, NAN, 5, 2, 7, 3, 0, 1, 2};  // [3,3]
  g = Pool2dGeom::make(1, 1, 3, 3, 2, 2, 0);
  mp::maxpool2d_fwd(n4.data(), g, y.data(), idx.data());
  REQUIRE(std::isnan(y[0]));
  REQUIRE(idx[0] == 1);
  g = Pool2dGeom::make(1, 1, 3, 3, 3, 1, 0);
  mp::maxpool2d_fwd(n4.data(), g, y.data(), idx.data());
  REQUIRE(std::isnan(y[0]));
  REQUIRE(idx[0] == 1);
  // avg 3x3 stride 2 pad 1 over [1,1,3,5]; count_include_pad: always divide by 9.
  g = Pool2dGeom::make(1, 1, 3, 5, 3, 2, 1);
  REQUIRE(g.OH == 2);
  REQUIRE(g.OW == 3);
  std::vector<float> a(6);
  mp::avgpool2d_fwd(x.data(), g, a.data());
  // window (0,0): rows 0-1, cols 0-1: -2-1+3-2 = -2 -> -2/9
  REQUIRE(a[0] == Approx(-2.0 / 9).margin(1e-7));
  // window (1,1): rows 1-2, cols 1-3: -2-1+3+3-2-1 = 0
  REQUIRE(a[4] == Approx(0.0).margin(1e-7));
  REQUIRE_THROWS_AS(Pool2dGeom::make(1, 1, 4, 4, 2, 2, 2), mp::Error);  // pad > K/2
  REQUIRE_THROWS_AS(Pool2dGeom::make(1, 1, 1, 4, 3, 1, 0), mp::Error);
}

TEST_CASE("pooling kernels equal their references on awkward shapes", "[tensor][pool]") {
  const int64_t geo[][7] = {{1, 1, 1, 1, 1, 1, 0},
                            {2, 3, 7, 9, 2, 2, 0},
                            {3, 2, 28, 28, 2, 2, 0},
                            {2, 5, 9, 7, 3, 2, 1},
                            {1, 4, 11, 5, 3, 1, 1},
                            {128, 16, 14, 14, 2, 2, 0},
                            {2, 3, 32, 32, 3, 2, 1},
                            {1, 2, 6, 6, 4, 3, 2},
                            // 2x2 / 2 on even widths (the vectorised path): odd heights, rows
                            // of more than one vector, planes shorter than one vector
                            {2, 3, 9, 28, 2, 2, 0},
                            {1, 2, 5, 70, 2, 2, 0},
                            {3, 1, 2, 2, 2, 2, 0},
                            {2, 2, 4, 6, 2, 2, 0}};
  uint32_t seed = 1;
  for (auto& q : geo) {
    const Pool2dGeom g = Pool2dGeom::make(q[0], q[1], q[2], q[3], q[4], q[5], q[6]);
    INFO("N=" << g.N << " C=" << g.C << " H=" << g.H << " W=" << g.W << " K=" << g.K
              << " s=" << g.stride << " p=" << g.pad);
    const int64_t nin = g.N * g.C * g.H * g.W, nout = g.N * g.C * g.OH * g.OW;
    auto x = random_vec(nin, seed++);
    // Repeat a few values so that ties occur; ReLU-like zeros (ties across whole windows); a
    // few NaNs, which must win (the first one in window order) wherever they fall.
    for (int64_t i = 0; i + 1 < nin; i += 5) x[i + 1] = x[i];
    for (int64_t i = 0; i < nin; i += 3) x[i] = x[i] < 0 ? 0.0f : x[i];
    for (int64_t i = 7; i < nin; i += 23) x[i] = NAN;
    std::vector<float> y(nout), yr(nout);
    std::vector<int32_t> idx(nout), idxr(nout);
    mp::maxpool2d_fwd(x.data(), g, y.data(), idx.data());
    mp::maxpool2d_fwd_ref(x.data(), g, yr.data(), idxr.data());
    REQUIRE(bit_equal(y, yr));
    REQUIRE(idx == idxr);
    auto dy = random_vec(nout, seed++);
    std::vector<float> dx(nin, NAN), dxr(nin);
    mp::maxpool2d_bwd(dy.data(), idx.data(), g, dx.data());
    mp::maxpool2d_bwd_ref(dy.data(), idxr.data(), g, dxr.data());
    REQUIRE(bit_equal(dx, dxr));
    mp::avgpool2d_fwd(x.data(), g, y.data());
    mp::avgpool2d_fwd_ref(x.data(), g, yr.data());
    MP_REQUIRE_VEC_CLOSE(y, yr, 1e-6, 1e-6);
    mp::avgpool2d_bwd(dy.data(), g, dx.data());
    mp::avgpool2d_bwd_ref(dy.data(), g, dxr.data());
    MP_REQUIRE_VEC_CLOSE(dx, dxr, 1e-6, 1e-6);
  }
}

TEST_CASE("global average pooling", "[tensor][pool]") {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};  // [1,2,4]
  std::vector<float> y(2), dx(8);
  mp::global_avgpool_fwd(x.data(), 1, 2, 4, y.data());
  REQUIRE(y == std::vector<float>({2.5f, 6.5f}));
  mp::global_avgpool_bwd(std::vector<float>({4, 8}).data(), 1, 2, 4, dx.data());
  REQUIRE(dx == std::vector<float>({1, 1, 1, 1, 2, 2, 2, 2}));
  for (int64_t HW : {1, 7, 49, 1024}) {
    const int64_t N = 9, C = 33;
    auto v = random_vec(N * C * HW, static_cast<uint32_t>(HW));
    std::vector<float> a(N * C), r(N * C), d(N * C * HW), dr(N * C * HW);
    mp::global_avgpool_fwd(v.data(), N, C, HW, a.data());
    mp::global_avgpool_fwd_ref(v.data(), N, C, HW, r.data());
    MP_REQUIRE_VEC_CLOSE(a, r, 1e-7, 1e-6);
    mp::global_avgpool_bwd(a.data(), N, C, HW, d.data());
    mp::global_avgpool_bwd_ref(a.data(), N, C, HW, dr.data());
    MP_REQUIRE_VEC_CLOSE(d, dr, 1e-7, 1e-6);
  }
}
