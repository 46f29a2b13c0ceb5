#include <catch2/catch.hpp>

#include "tensor/check.h"
#include "tensor/dropout.h"
#include "test_util.h"

TEST_CASE("dropout mask: values, drop rate and reproducibility by seed", "[tensor][dropout]") {
  const int64_t n = 100000;
  std::vector<float> m(n), m2(n);
  mp::Rng r(3), r2(3);
  mp::dropout_mask(r, 0.25f, m.data(), n);
  mp::dropout_mask(r2, 0.25f, m2.data(), n);
  REQUIRE(mp::testing::arrays_equal(m, m2));
  int64_t dropped = 0;
  for (float v : m) {
    REQUIRE((v == 0.0f || v == 1.0f / 0.75f));
    dropped += v == 0.0f;
  }
  // Binomial(1e5, 0.25): sd ~ 137, so +-1000 is > 7 sd.
  REQUIRE(std::abs(dropped - 25000) < 1000);
  mp::dropout_mask(r, 0.0f, m.data(), n);
  for (float v : m) REQUIRE(v == 1.0f);
  REQUIRE_THROWS_AS(mp::dropout_mask(r, 1.0f, m.data(), n), mp::Error);
  REQUIRE_THROWS_AS(mp::dropout_mask(r, -0.1f, m.data(), n), mp::Error);
}
