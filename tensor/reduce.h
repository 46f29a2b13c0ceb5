#pragma once
// Reductions over one dimension of a tensor (any strides; made contiguous first) and over
// whole buffers. Sums accumulate in double so that long reductions do not drift.
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace mp {

// x [..., D, ...] -> sum over dim (negative counts from the end); keepdim leaves a 1 there.
Tensor sum(const Tensor& x, int dim, bool keepdim);
Tensor mean(const Tensor& x, int dim, bool keepdim);
double sum_all(const Tensor& x);  // double accumulation over every element
// values: max over dim (keepdim=false shape); argmax: index along dim for each output element,
// ties -> lowest index. Either output may be null.
void max_dim(const Tensor& x, int dim, Tensor* values, std::vector<int64_t>* argmax);
// x [M,N] -> index of the row maximum (ties -> lowest index); NaN counts as largest.
std::vector<int32_t> argmax_rows(const float* x, int64_t M, int64_t N);

Tensor sum_ref(const Tensor& x, int dim, bool keepdim);
double sum_all_ref(const Tensor& x);
void max_dim_ref(const Tensor& x, int dim, Tensor* values, std::vector<int64_t>* argmax);
std::vector<int32_t> argmax_rows_ref(const float* x, int64_t M, int64_t N);

}  // namespace mp
