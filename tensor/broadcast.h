#pragma once
// Tensor-level binary arithmetic with numpy broadcasting: shapes are aligned at the trailing
// dimension; each pair of extents must be equal or one of them 1. Results are fresh contiguous
// tensors. Fast paths: equal shapes, and b a row vector [N] / scalar against a [.., N] a; a
// general strided path covers the rest. The _ref twins index every element through the
// broadcast multi-index (the test oracle).
#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace mp {

// Throws mp::Error naming both shapes when they do not broadcast.
Shape broadcast_shape(const Shape& a, const Shape& b);

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor mul_scalar(const Tensor& x, float s);

// Sums g over the dimensions that broadcasting expanded so the result has shape `target`
// (the gradient of a broadcast operand). Throws if target does not broadcast to g.shape().
Tensor sum_to_shape(const Tensor& g, const Shape& target);

Tensor add_ref(const Tensor& a, const Tensor& b);
Tensor sub_ref(const Tensor& a, const Tensor& b);
Tensor mul_ref(const Tensor& a, const Tensor& b);
Tensor div_ref(const Tensor& a, const Tensor& b);
Tensor sum_to_shape_ref(const Tensor& g, const Shape& target);

}  // namespace mp
