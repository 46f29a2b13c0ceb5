#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "tensor/batchnorm.h"

using mp::testing::random_vec;

// Golden values from numpy (float64) with PyTorch's formulas; dx by central finite differences
// of sum(dy * y). x [2,2,3] = (i*7 % 10)/3 - 1, gamma [1.5,-0.5], beta [0.1,0.2], eps 1e-5,
// momentum 0.1, running mean [0,1], running var [1,2]; dy = ((i*3 % 5) - 2)/2.
TEST_CASE("batchnorm2d matches numpy golden values", "[tensor][batchnorm]") {
  std::vector<float> x(12), dy(12);
  for (int i = 0; i < 12; ++i) x[i] = (i * 7 % 10) / 3.0f - 1.0f;
  for (int i = 0; i < 12; ++i) dy[i] = ((i * 3 % 5) - 2) / 2.0f;
  const std::vector<float> gamma = {1.5f, -0.5f}, beta = {0.1f, 0.2f};
  const std::vector<float> y_gold = {-2.20503821f,  1.25251911f,   -0.229291173f, 0.70952202f,
                                     -0.479362693f, 0.0301593267f, -1.21716469f,  2.24039263f,
                                     0.758582346f,  0.369840673f,  0.879362693f,  -0.30952202f};
  const std::vector<float> dx_gold = {-0.981927353f, 0.490963676f,   -0.669493293f, -0.596074982f,
                                      0.0163302235f, 0.48175945f,    1.02655253f,   -1.20508214f,
                                      1.33898659f,   -0.0571577664f, 0.40827146f,   -0.253128384f};
  for (bool fast : {true, false}) {
    INFO((fast ? "fast" : "reference"));
    std::vector<float> rm = {0, 1}, rv = {1, 2}, y(12), sm(2), si(2), dx(12), dg(2), db(2);
    auto fwd = fast ? mp::batchnorm2d_fwd_train : mp::batchnorm2d_fwd_train_ref;
    auto bwd = fast ? mp::batchnorm2d_bwd : mp::batchnorm2d_bwd_ref;
    fwd(x.data(), 2, 2, 3, gamma.data(), beta.data(), 1e-5f, 0.1f, rm.data(), rv.data(), y.data(),
        sm.data(), si.data());
    MP_REQUIRE_VEC_CLOSE(y, y_gold, 1e-6, 1e-6);
    MP_REQUIRE_VEC_CLOSE(sm, std::vector<float>({0.555555556f, 0.333333333f}), 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(si, std::vector<float>({0.98787352f, 1.01904404f}), 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(rm, std::vector<float>({0.0555555556f, 0.933333333f}), 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(rv, std::vector<float>({1.02296296f, 1.91555556f}), 1e-7, 1e-6);
    bwd(dy.data(), x.data(), 2, 2, 3, gamma.data(), sm.data(), si.data(), dx.data(), dg.data(),
        db.data());
    // dx_gold is a finite difference (error ~1e-9 in float64), then rounded to float.
    MP_REQUIRE_VEC_CLOSE(dx, dx_gold, 2e-6, 1e-6);
    MP_REQUIRE_VEC_CLOSE(dg, std::vector<float>({1.31716469f, 0.50952202f}), 1e-6, 1e-6);
    MP_REQUIRE_VEC_CLOSE(db, std::vector<float>({0.0f, -0.5f}), 1e-7, 1e-6);
    // Eval mode with running stats equal to the batch stats (biased var) reproduces train y.
    std::vector<float> ye(12);
    const std::vector<float> var_b = {1.0f / (si[0] * si[0]) - 1e-5f,
                                      1.0f / (si[1] * si[1]) - 1e-5f};
    (fast ? mp::batchnorm2d_fwd_eval : mp::batchnorm2d_fwd_eval_ref)(
        x.data(), 2, 2, 3, gamma.data(), beta.data(), sm.data(), var_b.data(), 1e-5f, ye.data());
    MP_REQUIRE_VEC_CLOSE(ye, y_gold, 1e-5, 1e-5);
  }
}

TEST_CASE("batchnorm2d fast kernels equal their references", "[tensor][batchnorm]") {
  const int64_t shapes[][3] = {{2, 1, 1}, {1, 3, 7}, {3, 5, 33}, {32, 64, 256}, {7, 16, 9}};
  uint32_t seed = 1;
  for (auto& s : shapes) {
    const int64_t N = s[0], C = s[1], HW = s[2], n = N * C * HW;
    INFO("N=" << N << " C=" << C << " HW=" << HW);
    // Offset inputs (mean 3) so a one-pass variance would lose digits.
    auto x = random_vec(n, seed++, 2.0f, 4.0f), dy = random_vec(n, seed++);
    auto g = random_vec(C, seed++, 0.5f, 1.5f), b = random_vec(C, seed++);
    std::vector<float> rm(C, 0.5f), rv(C, 2.0f), rmr = rm, rvr = rv;
    std::vector<float> y(n), yr(n), sm(C), smr(C), si(C), sir(C);
    mp::batchnorm2d_fwd_train(x.data(), N, C, HW, g.data(), b.data(), 1e-5f, 0.1f, rm.data(),
                              rv.data(), y.data(), sm.data(), si.data());
    mp::batchnorm2d_fwd_train_ref(x.data(), N, C, HW, g.data(), b.data(), 1e-5f, 0.1f, rmr.data(),
                                  rvr.data(), yr.data(), smr.data(), sir.data());
    MP_REQUIRE_VEC_CLOSE(y, yr, 1e-5, 1e-5);
    MP_REQUIRE_VEC_CLOSE(sm, smr, 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(si, sir, 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(rm, rmr, 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(rv, rvr, 1e-7, 1e-6);
    std::vector<float> dx(n), dxr(n), dg(C), dgr(C), db(C), dbr(C);
    mp::batchnorm2d_bwd(dy.data(), x.data(), N, C, HW, g.data(), sm.data(), si.data(), dx.data(),
                        dg.data(), db.data());
    mp::batchnorm2d_bwd_ref(dy.data(), x.data(), N, C, HW, g.data(), sm.data(), si.data(),
                            dxr.data(), dgr.data(), dbr.data());
    MP_REQUIRE_VEC_CLOSE(dx, dxr, 1e-5, 1e-5);
    MP_REQUIRE_VEC_CLOSE(dg, dgr, 1e-5, 1e-6);
    MP_REQUIRE_VEC_CLOSE(db, dbr, 1e-5, 1e-6);
    mp::batchnorm2d_fwd_eval(x.data(), N, C, HW, g.data(), b.data(), rm.data(), rv.data(), 1e-5f,
                             y.data());
    mp::batchnorm2d_fwd_eval_ref(x.data(), N, C, HW, g.data(), b.data(), rm.data(), rv.data(),
                                 1e-5f, yr.data());
    MP_REQUIRE_VEC_CLOSE(y, yr, 1e-5, 1e-5);
  }
  std::vector<float> one(3), out(3), st(3);  // a single value per channel has no variance
  REQUIRE_THROWS_AS(mp::batchnorm2d_fwd_train(one.data(), 1, 3, 1, nullptr, nullptr, 1e-5f, 0.1f,
                                              nullptr, nullptr, out.data(), st.data(), st.data()),
                    mp::Error);
}
