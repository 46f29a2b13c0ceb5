#pragma once
// Random inputs for autograd tests, built so that finite differences never cross a kink.
#include <cstdint>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace mp::testing {

// Uniform values in [lo, hi).
inline Tensor uniform_tensor(const Shape& s, float lo, float hi, uint32_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = rng.uniform(lo, hi);
  return t;
}

// Values of random sign with magnitude in [0.1, 1): at least 0.1 from the ReLU kink at 0.
inline Tensor away_from_zero(const Shape& s, uint32_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float m = rng.uniform(0.1f, 1.0f);
    t.data()[i] = rng.uniform_double() < 0.5 ? -m : m;
  }
  return t;
}

// A random permutation of {0, 0.05, 0.1, ...} minus an offset: all values distinct with gaps of
// 0.05, so a +-0.01 perturbation never changes which element of a window is the maximum.
inline Tensor distinct_values(const Shape& s, uint32_t seed) {
  Rng rng(seed);
  std::vector<int64_t> p = rng.permutation(s.numel());
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data()[i] = 0.05f * static_cast<float>(p[static_cast<size_t>(i)]) - 1.0f;
  return t;
}

}  // namespace mp::testing
