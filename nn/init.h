#pragma once
// Parameter initialisation, PyTorch defaults: Linear and Conv2d weights AND biases are drawn
// from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5) reduces to exactly
// this bound), in construction order from one Rng, so a model is a pure function of its seed.
#include <cstdint>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace mp::nn {

// 1 / sqrt(fan_in); fan_in >= 1.
float fan_in_bound(int64_t fan_in);
// A fresh tensor with U(-bound, bound) values drawn in row-major order.
Tensor uniform_tensor(const Shape& shape, float bound, Rng& rng);

}  // namespace mp::nn
