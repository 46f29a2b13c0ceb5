#include <catch2/catch.hpp>

#include "tensor/tensor.h"

using mp::Shape;
using mp::Tensor;

TEST_CASE("views share storage and contiguous() copies only when needed", "[tensor]") {
  Tensor a = Tensor::from_vector({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor r = a.reshape({3, 2});
  REQUIRE(r.same_storage(a));
  Tensor t = a.transpose(0, 1);
  REQUIRE(t.shape() == Shape({3, 2}));
  REQUIRE_FALSE(t.is_contiguous());
  REQUIRE(t.at({2, 1}) == 5.0f);
  REQUIRE(t.at({0, 1}) == 3.0f);
  Tensor c = t.contiguous();
  REQUIRE_FALSE(c.same_storage(a));
  REQUIRE(c.to_vector() == std::vector<float>({0, 3, 1, 4, 2, 5}));
  Tensor s = a.slice0(1, 2);
  REQUIRE(s.same_storage(a));
  REQUIRE(s.to_vector() == std::vector<float>({3, 4, 5}));
  REQUIRE(reinterpret_cast<uintptr_t>(a.data()) % 64 == 0);
}

TEST_CASE("bad shapes are reported, not crashed on", "[tensor]") {
  Tensor a = Tensor::zeros({2, 3});
  REQUIRE_THROWS_AS(a.view({4, 2}), mp::Error);
  REQUIRE_THROWS_AS(a.slice0(1, 3), mp::Error);
  REQUIRE_THROWS_AS(a.transpose(0, 1).view({6}), mp::Error);
  REQUIRE_THROWS_AS(Shape({1, 2, 3, 4, 5, 6}), mp::Error);
}
