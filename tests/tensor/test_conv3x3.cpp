// Direct 3x3 convolution (tensor/conv3x3.h) against the reference loops of tensor/conv2d.h:
// forward with and without bias/ReLU, backward with the fused ReLU mask, with and without the
// input gradient, odd plane sizes (every tile width), channel counts off the tile sizes, and
// thread-count independence.
#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "tensor/conv2d.h"
#include "tensor/conv3x3.h"
#include "tensor/threads.h"

using mp::Conv2dGeom;
using mp::testing::bit_equal;
using mp::testing::random_vec;

namespace {

struct Case {
  int64_t N, C, H, W, OC;
};

// Sizes picked so that every tile width (3..6 vectors), junk columns, remainder channel
// blocks (OC not a multiple of 8 or 6) and more than one weight-gradient chunk occur.
const Case kCases[] = {{1, 1, 1, 1, 1},   {2, 3, 5, 7, 5},   {3, 2, 7, 7, 13}, {2, 4, 8, 8, 16},
                       {1, 5, 14, 14, 9}, {2, 3, 9, 4, 17},  {9, 2, 6, 5, 3},  {2, 16, 28, 28, 16},
                       {1, 3, 32, 32, 7}, {2, 7, 11, 13, 70}};

void relu_inplace(std::vector<float>& v) {
  for (float& x : v) x = x <= 0.0f ? 0.0f : x;
}

}  // namespace

TEST_CASE("conv3x3 applies only to 3x3 stride-1 pad-1", "[tensor][conv]") {
  CHECK(mp::conv3x3_supported(Conv2dGeom::make(3, 8, 8, 3, 3, 1, 1)));
  CHECK_FALSE(mp::conv3x3_supported(Conv2dGeom::make(3, 8, 8, 3, 3, 2, 1)));
  CHECK_FALSE(mp::conv3x3_supported(Conv2dGeom::make(3, 8, 8, 3, 3, 1, 0)));
  CHECK_FALSE(mp::conv3x3_supported(Conv2dGeom::make(3, 8, 8, 5, 5, 1, 2)));
  const Conv2dGeom bad = Conv2dGeom::make(1, 4, 4, 3, 3, 2, 1);
  std::vector<float> x(16), w(9), y(16);
  REQUIRE_THROWS_AS(mp::conv3x3_fwd(x.data(), w.data(), nullptr, 1, bad, 1, false, y.data()),
                    mp::Error);
}

TEST_CASE("conv3x3 forward matches the reference (bias, ReLU)", "[tensor][conv]") {
  uint32_t seed = 100;
  for (const Case& c : kCases) {
    const Conv2dGeom g = Conv2dGeom::make(c.C, c.H, c.W, 3, 3, 1, 1);
    const auto x = random_vec(c.N * c.C * c.H * c.W, seed++);
    const auto w = random_vec(c.OC * c.C * 9, seed++);
    const auto b = random_vec(c.OC, seed++);
    const int64_t ny = c.N * c.OC * c.H * c.W;
    for (int variant = 0; variant < 3; ++variant) {  // no bias; bias; bias + ReLU
      const float* bp = variant ? b.data() : nullptr;
      std::vector<float> y(static_cast<size_t>(ny), 7.0f), r(static_cast<size_t>(ny));
      mp::conv3x3_fwd(x.data(), w.data(), bp, c.N, g, c.OC, variant == 2, y.data());
      mp::conv2d_fwd_ref(x.data(), w.data(), bp, c.N, g, c.OC, r.data());
      if (variant == 2) relu_inplace(r);
      INFO("N=" << c.N << " C=" << c.C << " " << c.H << "x" << c.W << " OC=" << c.OC << " variant "
                << variant);
      // |terms| <= 1, C*9 of them: float accumulation error <= ~C*9 * 2^-23.
      MP_REQUIRE_VEC_CLOSE(y, r, 2e-7 * static_cast<double>(c.C * 9) + 1e-6, 0.0);
    }
  }
}

TEST_CASE("conv3x3 backward matches the reference (fused ReLU mask, optional dx)",
          "[tensor][conv]") {
  uint32_t seed = 300;
  for (const Case& c : kCases) {
    const Conv2dGeom g = Conv2dGeom::make(c.C, c.H, c.W, 3, 3, 1, 1);
    const int64_t nx = c.N * c.C * c.H * c.W, ny = c.N * c.OC * c.H * c.W, nw = c.OC * c.C * 9;
    const auto x = random_vec(nx, seed++);
    const auto w = random_vec(nw, seed++);
    const auto gy = random_vec(ny, seed++);
    auto yrelu = random_vec(ny, seed++);  // a forward output: about half the entries masked
    relu_inplace(yrelu);
    for (int masked = 0; masked < 2; ++masked) {
      std::vector<float> gz = gy;  // the reference sees the already-masked gradient
      if (masked)
        for (size_t i = 0; i < gz.size(); ++i) gz[i] = yrelu[i] > 0.0f ? gz[i] : 0.0f;
      std::vector<float> rdx(static_cast<size_t>(nx)), rdw(static_cast<size_t>(nw)),
          rdb(static_cast<size_t>(c.OC));
      mp::conv2d_bwd_ref(x.data(), w.data(), gz.data(), c.N, g, c.OC, rdx.data(), rdw.data(),
                         rdb.data());
      for (int with_dx = 0; with_dx < 2; ++with_dx) {
        std::vector<float> dx(static_cast<size_t>(nx), 9.0f), dw(static_cast<size_t>(nw), 9.0f),
            db(static_cast<size_t>(c.OC), 9.0f);
        mp::conv3x3_bwd(x.data(), w.data(), gy.data(), masked ? yrelu.data() : nullptr, c.N, g,
                        c.OC, with_dx ? dx.data() : nullptr, dw.data(), db.data());
        INFO("N=" << c.N << " C=" << c.C << " " << c.H << "x" << c.W << " OC=" << c.OC << " masked "
                  << masked << " dx " << with_dx);
        const double terms_w = static_cast<double>(c.N * c.H * c.W);
        MP_REQUIRE_VEC_CLOSE(dw, rdw, 2e-7 * terms_w + 1e-6, 1e-6);
        MP_REQUIRE_VEC_CLOSE(db, rdb, 1e-6 * terms_w, 1e-6);
        if (with_dx)
          MP_REQUIRE_VEC_CLOSE(dx, rdx, 2e-7 * static_cast<double>(c.OC * 9) + 1e-6, 0.0);
      }
    }
  }
}

TEST_CASE("conv3x3 results do not depend on the thread count", "[tensor][conv]") {
  const Conv2dGeom g = Conv2dGeom::make(8, 14, 14, 3, 3, 1, 1);
  const int64_t N = 11, OC = 12;
  const auto x = random_vec(N * 8 * 196, 1), w = random_vec(OC * 8 * 9, 2);
  const auto gy = random_vec(N * OC * 196, 3), b = random_vec(OC, 4);
  std::vector<std::vector<float>> out;
  const int saved = mp::num_threads();
  for (int threads : {1, 2, 3}) {
    mp::set_num_threads(threads);
    std::vector<float> y(static_cast<size_t>(N * OC * 196)), dx(x.size()), dw(w.size()),
        db(static_cast<size_t>(OC));
    mp::conv3x3_fwd(x.data(), w.data(), b.data(), N, g, OC, true, y.data());
    mp::conv3x3_bwd(x.data(), w.data(), gy.data(), y.data(), N, g, OC, dx.data(), dw.data(),
                    db.data());
    std::vector<float> all = y;
    all.insert(all.end(), dx.begin(), dx.end());
    all.insert(all.end(), dw.begin(), dw.end());
    all.insert(all.end(), db.begin(), db.end());
    out.push_back(all);
  }
  mp::set_num_threads(saved);
  CHECK(bit_equal(out[0], out[1]));
  CHECK(bit_equal(out[0], out[2]));
}
