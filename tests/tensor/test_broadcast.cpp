#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "tensor/broadcast.h"

using mp::Shape;
using mp::Tensor;
using mp::testing::bit_equal;
using mp::testing::random_vec;

static Tensor rand_t(const Shape& s, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  return Tensor::from_vector(s, random_vec(s.numel(), seed, lo, hi));
}

TEST_CASE("broadcast_shape follows numpy and names both shapes on error", "[tensor][broadcast]") {
  REQUIRE(mp::broadcast_shape({3, 4}, {4}) == Shape({3, 4}));
  REQUIRE(mp::broadcast_shape({4}, {3, 4}) == Shape({3, 4}));
  REQUIRE(mp::broadcast_shape({2, 1, 5}, {3, 1}) == Shape({2, 3, 5}));
  REQUIRE(mp::broadcast_shape({}, {2, 3}) == Shape({2, 3}));
  REQUIRE(mp::broadcast_shape({1}, {1}) == Shape({1}));
  REQUIRE(mp::broadcast_shape({0, 3}, {1, 3}) == Shape({0, 3}));
  try {
    mp::broadcast_shape({2, 3}, {4, 3});
    FAIL("expected mp::Error");
  } catch (const mp::Error& e) {
    const std::string m = e.what();
    REQUIRE(m.find("[2, 3]") != std::string::npos);
    REQUIRE(m.find("[4, 3]") != std::string::npos);
  }
  REQUIRE_THROWS_AS(mp::add(Tensor::zeros({3}), Tensor::zeros({4})), mp::Error);
  REQUIRE_THROWS_AS(mp::sum_to_shape(Tensor::zeros({2, 3}), Shape({2})), mp::Error);
}

TEST_CASE("add/sub/mul/div by hand: row vector, column vector, scalar", "[tensor][broadcast]") {
  Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  REQUIRE(mp::add(a, Tensor::from_vector({3}, {10, 20, 30})).to_vector() ==
          std::vector<float>({11, 22, 33, 14, 25, 36}));
  REQUIRE(mp::sub(a, Tensor::from_vector({2, 1}, {1, 2})).to_vector() ==
          std::vector<float>({0, 1, 2, 2, 3, 4}));
  REQUIRE(mp::mul(a, Tensor::scalar(2)).to_vector() == std::vector<float>({2, 4, 6, 8, 10, 12}));
  REQUIRE(mp::div(Tensor::scalar(12), a).to_vector() == std::vector<float>({12, 6, 4, 3, 2.4f, 2}));
  // [2,1] op [3] -> [2,3] (both operands broadcast)
  Tensor c = mp::mul(Tensor::from_vector({2, 1}, {1, -1}), Tensor::from_vector({3}, {1, 2, 3}));
  REQUIRE(c.shape() == Shape({2, 3}));
  REQUIRE(c.to_vector() == std::vector<float>({1, 2, 3, -1, -2, -3}));
  REQUIRE(mp::mul_scalar(a, 0.5f).to_vector() == std::vector<float>({0.5f, 1, 1.5f, 2, 2.5f, 3}));
}

TEST_CASE("broadcast fast and strided paths equal the per-element reference",
          "[tensor][broadcast]") {
  const std::pair<Shape, Shape> cases[] = {
      {{7, 33}, {7, 33}},     {{33, 129}, {129}},        {{129, 7}, {1}},   {{}, {5, 3}},
      {{4, 1, 9}, {3, 1}},    {{2, 3, 1, 5}, {3, 7, 1}}, {{1, 7}, {33, 1}}, {{128, 2048}, {2048}},
      {{5, 1, 1}, {1, 4, 3}}, {{300, 200}, {300, 1}}};
  uint32_t seed = 100;
  for (auto& [sa, sb] : cases) {
    INFO(sa.str() << " op " << sb.str());
    Tensor a = rand_t(sa, seed++), b = rand_t(sb, seed++, 0.5f, 2.0f);
    REQUIRE(bit_equal(mp::add(a, b).to_vector(), mp::add_ref(a, b).to_vector()));
    REQUIRE(bit_equal(mp::sub(a, b).to_vector(), mp::sub_ref(a, b).to_vector()));
    REQUIRE(bit_equal(mp::mul(a, b).to_vector(), mp::mul_ref(a, b).to_vector()));
    REQUIRE(bit_equal(mp::div(a, b).to_vector(), mp::div_ref(a, b).to_vector()));
    REQUIRE(bit_equal(mp::sub(b, a).to_vector(), mp::sub_ref(b, a).to_vector()));
    REQUIRE(mp::add(a, b).shape() == mp::broadcast_shape(sa, sb));
  }
  // Non-contiguous input (a transposed view) goes through the same rules.
  Tensor t = rand_t({9, 4}, 7).transpose(0, 1);
  Tensor r = rand_t({9}, 8);
  REQUIRE(bit_equal(mp::add(t, r).to_vector(), mp::add_ref(t, r).to_vector()));
}

TEST_CASE("sum_to_shape reduces broadcast dimensions", "[tensor][broadcast]") {
  Tensor g = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  REQUIRE(mp::sum_to_shape(g, {3}).to_vector() == std::vector<float>({5, 7, 9}));
  REQUIRE(mp::sum_to_shape(g, {2, 1}).to_vector() == std::vector<float>({6, 15}));
  REQUIRE(mp::sum_to_shape(g, {1, 1}).to_vector() == std::vector<float>({21}));
  REQUIRE(mp::sum_to_shape(g, {}).item() == 21.0f);
  Tensor same = mp::sum_to_shape(g, {2, 3});
  REQUIRE(same.to_vector() == g.to_vector());
  REQUIRE_FALSE(same.same_storage(g));  // a fresh buffer that callers may accumulate into
  const std::pair<Shape, Shape> cases[] = {{{33, 129}, {129}},     {{33, 129}, {33, 1}},
                                           {{4, 3, 9}, {3, 1}},    {{2, 3, 7, 5}, {3, 1, 5}},
                                           {{128, 250}, {1, 250}}, {{6, 7}, {1}}};
  uint32_t seed = 300;
  for (auto& [gs, ts] : cases) {
    INFO(gs.str() << " -> " << ts.str());
    Tensor x = rand_t(gs, seed++);
    Tensor s = mp::sum_to_shape(x, ts), r = mp::sum_to_shape_ref(x, ts);
    REQUIRE(s.shape() == ts);
    MP_REQUIRE_VEC_CLOSE(s.to_vector(), r.to_vector(), 1e-6, 1e-6);
  }
}
