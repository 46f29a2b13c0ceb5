#pragma once
// Helpers for the kernel tests: seeded random buffers and element-wise comparison that reports
// the first mismatch (index, both values) instead of thousands of failed CHECKs.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tensor/check.h"
#include "tensor/rng.h"

namespace mp::testing {

inline std::vector<float> random_vec(int64_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng r(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = r.uniform(lo, hi);
  return v;
}

// Number of i with |a - b| > atol + rtol * |b| (NaN counts as a mismatch unless both NaN);
// `first` describes the first one.
inline int64_t count_mismatches(const float* a, const float* b, int64_t n, double atol, double rtol,
                                std::string* first) {
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i];
    const bool ok =
        (std::isnan(x) && std::isnan(y)) || std::fabs(x - y) <= atol + rtol * std::fabs(y);
    if (!ok && bad++ == 0 && first)
      *first = "index " + std::to_string(i) + ": got " + std::to_string(x) + ", expected " +
               std::to_string(y);
  }
  return bad;
}

#define MP_REQUIRE_CLOSE(a, b, n, atol, rtol)                                       \
  do {                                                                              \
    std::string mp_first_;                                                          \
    const int64_t mp_bad_ =                                                         \
        ::mp::testing::count_mismatches((a), (b), (n), (atol), (rtol), &mp_first_); \
    INFO("first mismatch: " << mp_first_);                                          \
    REQUIRE(mp_bad_ == 0);                                                          \
  } while (0)

#define MP_REQUIRE_VEC_CLOSE(a, b, atol, rtol)                                              \
  do {                                                                                      \
    REQUIRE((a).size() == (b).size());                                                      \
    MP_REQUIRE_CLOSE((a).data(), (b).data(), static_cast<int64_t>((a).size()), atol, rtol); \
  } while (0)

// Bitwise equality of two float buffers (for determinism and for kernels whose fast and
// reference versions perform the same IEEE operations).
inline bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return false;
  return true;
}

}  // namespace mp::testing
