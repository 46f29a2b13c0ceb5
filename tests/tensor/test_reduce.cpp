#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "tensor/reduce.h"

using mp::Shape;
using mp::Tensor;
using mp::testing::random_vec;

TEST_CASE("sum/mean/max over a dimension by hand", "[tensor][reduce]") {
  Tensor x = Tensor::from_vector({2, 3}, {1, 5, 3, 4, 2, 6});
  REQUIRE(mp::sum(x, 0, false).to_vector() == std::vector<float>({5, 7, 9}));
  REQUIRE(mp::sum(x, 1, true).shape() == Shape({2, 1}));
  REQUIRE(mp::sum(x, -1, false).to_vector() == std::vector<float>({9, 12}));
  REQUIRE(mp::mean(x, 1, false).to_vector() == std::vector<float>({3, 4}));
  REQUIRE(mp::sum_all(x) == 21.0);
  Tensor v;
  std::vector<int64_t> am;
  mp::max_dim(x, 1, &v, &am);
  REQUIRE(v.to_vector() == std::vector<float>({5, 6}));
  REQUIRE(am == std::vector<int64_t>({1, 2}));
  mp::max_dim(x, 0, &v, &am);
  REQUIRE(am == std::vector<int64_t>({1, 0, 1}));
  REQUIRE_THROWS_AS(mp::sum(x, 2, false), mp::Error);
  REQUIRE_THROWS_AS(mp::max_dim(x, -3, &v, &am), mp::Error);
}

TEST_CASE("argmax: ties go to the lowest index, NaN wins", "[tensor][reduce]") {
  std::vector<float> x = {1,  3,   3, 0,  //
                          2,  2,   2, 2,  //
                          -1, NAN, 5, NAN};
  REQUIRE(mp::argmax_rows(x.data(), 3, 4) == std::vector<int32_t>({1, 0, 1}));
  REQUIRE(mp::argmax_rows_ref(x.data(), 3, 4) == std::vector<int32_t>({1, 0, 1}));
  std::vector<int64_t> am;
  mp::max_dim(Tensor::from_vector({3, 4}, x), 1, nullptr, &am);
  REQUIRE(am == std::vector<int64_t>({1, 0, 1}));
}

TEST_CASE("reductions equal their references on awkward shapes", "[tensor][reduce]") {
  const Shape shapes[] = {{1}, {7}, {33, 129}, {2, 7, 5}, {129, 1, 33}, {3, 4, 5, 6}, {200, 300}};
  uint32_t seed = 1;
  for (const Shape& s : shapes) {
    Tensor x = Tensor::from_vector(s, random_vec(s.numel(), seed++));
    REQUIRE(std::fabs(mp::sum_all(x) - mp::sum_all_ref(x)) < 1e-9);
    for (int d = 0; d < s.ndim(); ++d)
      for (bool keep : {false, true}) {
        INFO(s.str() << " dim " << d << " keepdim " << keep);
        Tensor a = mp::sum(x, d, keep), r = mp::sum_ref(x, d, keep);
        REQUIRE(a.shape() == r.shape());
        MP_REQUIRE_VEC_CLOSE(a.to_vector(), r.to_vector(), 1e-6, 1e-6);
        Tensor m = mp::mean(x, d, keep);
        std::vector<float> rv = r.to_vector();
        for (float& f : rv) f /= static_cast<float>(s[d]);
        MP_REQUIRE_VEC_CLOSE(m.to_vector(), rv, 1e-6, 1e-6);
      }
    for (int d = 0; d < s.ndim(); ++d) {
      Tensor v, vr;
      std::vector<int64_t> am, amr;
      mp::max_dim(x, d, &v, &am);
      mp::max_dim_ref(x, d, &vr, &amr);
      REQUIRE(v.to_vector() == vr.to_vector());
      REQUIRE(am == amr);
    }
    const int64_t N = s[s.ndim() - 1], M = s.numel() / N;
    REQUIRE(mp::argmax_rows(x.data(), M, N) == mp::argmax_rows_ref(x.data(), M, N));
  }
  // Transposed (non-contiguous) input.
  Tensor t = Tensor::from_vector({5, 3}, random_vec(15, 9)).transpose(0, 1);
  MP_REQUIRE_VEC_CLOSE(mp::sum(t, 1, false).to_vector(), mp::sum_ref(t, 1, false).to_vector(), 1e-6,
                       1e-6);
}
