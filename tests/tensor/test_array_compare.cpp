// The test suite's comparison of large arrays (tests/test_util.h): counts, first index, largest
// difference, and a one-line description however large the arrays are.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

using mp::testing::arrays_close;
using mp::testing::arrays_equal;

namespace {

template <typename C>
std::string text(const C& c) {
  std::ostringstream os;
  os << c;
  return os.str();
}

}  // namespace

TEST_CASE("arrays_equal reports the mismatch count and first index and largest difference",
          "[tensor]") {
  std::vector<float> a(5000000, 0.5f), b = a;
  CHECK(arrays_equal(a, b));
  CHECK(text(arrays_equal(a, b)) == "all 5000000 elements bitwise equal");
  b[17] = 0.25f;
  b[4000000] = 2.5f;
  b[4999999] = 0.5f + 1e-7f;
  const auto c = arrays_equal(a, b);
  CHECK_FALSE(c);
  CHECK(c.mismatches == 3);
  CHECK(c.first == 17);
  CHECK(c.first_a == 0.5);
  CHECK(c.first_b == 0.25);
  CHECK(c.largest == 2.0);
  CHECK(c.largest_at == 4000000);
  const std::string t = text(c);
  INFO(t);
  CHECK(t.find('\n') == std::string::npos);
  CHECK(t.size() < 200);
  CHECK(t.find("3 of 5000000 elements differ; first at [17]: 0.5 vs 0.25") == 0);
  CHECK(t.find("largest |a - b| 2 at [4000000]") != std::string::npos);
}

TEST_CASE("arrays_equal is bitwise and arrays_close is by value within a tolerance", "[tensor]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> a = {0.0, 1.0, nan}, b = {-0.0, 1.0, nan};
  CHECK_FALSE(arrays_equal(a, b));  // -0 and +0 are other bits
  CHECK(text(arrays_equal(a, b)).find("signed zero") != std::string::npos);
  CHECK(arrays_close(a, b, 0.0));  // equal values; NaN matches NaN
  const std::vector<double> c = {0.0, 1.0 + 1e-9, 3.0};
  const auto near = arrays_close(a, c, 1e-8);
  CHECK(near.mismatches == 1);  // the NaN
  CHECK(near.first == 2);
  CHECK(std::isinf(near.largest));
  CHECK(arrays_close(std::vector<double>{1.0, 2.0}, {1.0 + 1e-9, 2.0}, 1e-8));
  CHECK_FALSE(arrays_close(std::vector<double>{1.0, 2.0}, {1.0 + 1e-7, 2.0}, 1e-8));
  const auto sizes = arrays_equal(std::vector<int32_t>{1, 2, 3}, std::vector<int32_t>{1, 2});
  CHECK_FALSE(sizes);
  CHECK(text(sizes).find("sizes differ: 3 vs 2") == 0);
  CHECK(arrays_equal(std::vector<uint8_t>{1, 2}, std::vector<uint8_t>{1, 2}));
}
