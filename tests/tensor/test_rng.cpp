#include <catch2/catch.hpp>

#include "tensor/rng.h"

// Expected values produced independently with Debian's numpy 1.24.2:
//   np.random.seed(42); np.random.rand(3); np.random.choice(10, 8)
//   np.random.seed(7); np.random.permutation(10)
TEST_CASE("Rng reproduces numpy's legacy RandomState stream", "[tensor][rng]") {
  mp::Rng g(42);
  CHECK(g.uniform_double() == 0.3745401188473625);
  CHECK(g.uniform_double() == 0.9507143064099162);
  CHECK(g.uniform_double() == 0.7319939418114051);
  std::vector<uint32_t> expect = {4, 6, 9, 2, 6, 7, 4, 3};
  for (uint32_t e : expect) CHECK(g.randint(10) == e);
  mp::Rng h(7);
  std::vector<int64_t> perm = h.permutation(10);
  CHECK(perm == std::vector<int64_t>({8, 5, 0, 2, 1, 9, 7, 3, 6, 4}));
}
