#include "nn/init.h"

#include <cmath>

namespace mp::nn {

float fan_in_bound(int64_t fan_in) {
  MP_CHECK(fan_in >= 1, "fan_in_bound: fan_in must be positive, got " << fan_in);
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
}

Tensor uniform_tensor(const Shape& shape, float bound, Rng& rng) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.uniform(-bound, bound);
  return t;
}

}  // namespace mp::nn
