#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "tensor/softmax.h"

using mp::testing::random_vec;

// Golden values from numpy (float64): logits rows [1,2,3], [-1,0.5,0.25], [1000,1000,-1000]
// (the last would overflow a naive exp), targets [2,0,1].
TEST_CASE("log-softmax and cross-entropy match numpy golden values", "[tensor][softmax]") {
  const std::vector<float> L = {1, 2, 3, -1, 0.5f, 0.25f, 1000, 1000, -1000};
  const std::vector<int32_t> t = {2, 0, 1};
  const std::vector<float> ls_gold = {-2.40760596f,  -1.40760596f,  -0.407605964f,
                                      -2.19411219f,  -0.694112186f, -0.944112186f,
                                      -0.693147181f, -0.693147181f, -2000.69315f};
  const std::vector<float> p_gold = {0.0900305732f, 0.244728471f, 0.665240956f,
                                     0.111457471f,  0.49951773f,  0.389024799f,
                                     0.5f,          0.5f,         0.0f};
  const std::vector<float> d_gold = {0.0150050955f, 0.0407880785f,  -0.055793174f,
                                     -0.148090421f, 0.083252955f,   0.0648374665f,
                                     0.0833333333f, -0.0833333333f, 0.0f};
  std::vector<float> ls(9), p(9), d(9);
  for (bool fast : {true, false}) {
    INFO((fast ? "fast" : "reference"));
    double loss;
    if (fast) {
      mp::log_softmax_rows(L.data(), 3, 3, ls.data());
      loss = mp::cross_entropy_fwd(L.data(), t.data(), 3, 3, p.data());
      mp::cross_entropy_bwd(p.data(), t.data(), 3, 3, 0.5f, d.data());
    } else {
      mp::log_softmax_rows_ref(L.data(), 3, 3, ls.data());
      loss = mp::cross_entropy_fwd_ref(L.data(), t.data(), 3, 3, p.data());
      mp::cross_entropy_bwd_ref(p.data(), t.data(), 3, 3, 0.5f, d.data());
    }
    MP_REQUIRE_VEC_CLOSE(ls, ls_gold, 1e-6, 1e-6);
    MP_REQUIRE_VEC_CLOSE(p, p_gold, 1e-7, 1e-6);
    MP_REQUIRE_VEC_CLOSE(d, d_gold, 1e-7, 1e-6);
    REQUIRE(loss == Approx(1.0982884438020799).epsilon(1e-7));
  }
}

TEST_CASE("cross-entropy rejects targets out of range", "[tensor][softmax]") {
  const std::vector<float> L = {0, 1, 2, 3};
  std::vector<float> p(4);
  const std::vector<int32_t> bad = {0, 2}, neg = {-1, 0};
  REQUIRE_THROWS_AS(mp::cross_entropy_fwd(L.data(), bad.data(), 2, 2, p.data()), mp::Error);
  REQUIRE_THROWS_AS(mp::cross_entropy_fwd(L.data(), neg.data(), 2, 2, p.data()), mp::Error);
  REQUIRE_THROWS_AS(mp::cross_entropy_bwd(p.data(), bad.data(), 2, 2, 1.0f, p.data()), mp::Error);
}

TEST_CASE("softmax kernels equal their references on awkward shapes", "[tensor][softmax]") {
  const int64_t shapes[][2] = {{1, 1}, {1, 7}, {7, 10}, {33, 129}, {1000, 10}, {129, 1000}};
  uint32_t seed = 1;
  for (auto& s : shapes) {
    const int64_t M = s[0], N = s[1];
    INFO("M=" << M << " N=" << N);
    auto x = random_vec(M * N, seed++, -20.0f, 20.0f);
    std::vector<int32_t> t(M);
    for (int64_t i = 0; i < M; ++i) t[i] = static_cast<int32_t>((i * 7) % N);
    std::vector<float> y(M * N), yr(M * N), p(M * N), pr(M * N), d(M * N), dr(M * N);
    mp::log_softmax_rows(x.data(), M, N, y.data());
    mp::log_softmax_rows_ref(x.data(), M, N, yr.data());
    MP_REQUIRE_VEC_CLOSE(y, yr, 1e-5, 1e-6);
    const double l = mp::cross_entropy_fwd(x.data(), t.data(), M, N, p.data());
    const double lr = mp::cross_entropy_fwd_ref(x.data(), t.data(), M, N, pr.data());
    REQUIRE(l == Approx(lr).epsilon(1e-6));
    MP_REQUIRE_VEC_CLOSE(p, pr, 1e-7, 1e-5);
    mp::cross_entropy_bwd(p.data(), t.data(), M, N, 1.0f, d.data());
    mp::cross_entropy_bwd_ref(p.data(), t.data(), M, N, 1.0f, dr.data());
    MP_REQUIRE_VEC_CLOSE(d, dr, 1e-8, 1e-6);
    double row_sum = 0;  // softmax rows sum to 1
    for (int64_t j = 0; j < N; ++j) row_sum += p[j];
    REQUIRE(row_sum == Approx(1.0).epsilon(1e-6));
  }
}
