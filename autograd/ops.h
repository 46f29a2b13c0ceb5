#pragma once
// Differentiable ops on Vars. Each op computes its output with a tensor/ kernel and, when it
// must record (grad mode on and an input requires grad), attaches a backward closure that
// keeps only the tensors its gradient needs. Inputs of any strides are accepted (made
// contiguous first); outputs are contiguous except transpose, which returns a view.
// Implementations live in ops_<concept>.cpp.
#include <cstdint>
#include <vector>

#include "autograd/var.h"
#include "tensor/rng.h"
#include "tensor/shape.h"

namespace mp::ag {

// ---- ops_linear.cpp ----
// a [M,K] (or [K,M] if trans_a), b [K,N] (or [N,K] if trans_b) -> [M,N] = op(a) op(b)
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);
// x [B,in], W [out,in] (PyTorch layout), b [out] or undefined -> [B,out] = x W^T + b
Var linear(const Var& x, const Var& W, const Var& b);
// relu(x W^T + b), bias and ReLU fused into one pass over the output
Var linear_relu(const Var& x, const Var& W, const Var& b);

// ---- ops_elementwise.cpp ---- (numpy broadcasting; gradients summed back to input shapes)
Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var scale(const Var& x, float s);  // s * x
Var relu(const Var& x);
inline Var operator+(const Var& a, const Var& b) {
  return add(a, b);
}
inline Var operator-(const Var& a, const Var& b) {
  return sub(a, b);
}
inline Var operator*(const Var& a, const Var& b) {
  return mul(a, b);
}
inline Var operator/(const Var& a, const Var& b) {
  return div(a, b);
}

// ---- ops_reduce.cpp ----
Var sum(const Var& x);  // all elements -> shape [] (one element)
Var sum(const Var& x, int dim, bool keepdim = false);
Var mean(const Var& x);
Var mean(const Var& x, int dim, bool keepdim = false);

// ---- ops_shape.cpp ----
Var reshape(const Var& x, const Shape& shape);
Var flatten(const Var& x, int start_dim = 1);  // [N, ...] -> [N, prod(...)] by default
Var transpose(const Var& x, int a, int b);     // a strided view

// ---- ops_conv.cpp ---- x [N,C,H,W], w [OC,C,KH,KW], b [OC] or undefined -> [N,OC,OH,OW]
Var conv2d(const Var& x, const Var& w, const Var& b, int64_t stride = 1, int64_t pad = 0);
Var conv2d_relu(const Var& x, const Var& w, const Var& b, int64_t stride = 1, int64_t pad = 0);

// ---- ops_pool.cpp ---- x [N,C,H,W]; square window k; PyTorch floor mode
Var max_pool2d(const Var& x, int64_t k, int64_t stride, int64_t pad = 0);
Var avg_pool2d(const Var& x, int64_t k, int64_t stride, int64_t pad = 0);  // count_include_pad
Var global_avg_pool(const Var& x);                                         // [N,C,H,W] -> [N,C]

// ---- ops_norm.cpp ---- x [N,C,H,W], gamma/beta [C]; running stats [C] updated in place in
// training mode (PyTorch: unbiased variance, running = (1-momentum)*running + momentum*batch)
Var batch_norm2d(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean,
                 Tensor& running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);

// ---- ops_dropout.cpp ---- inverted dropout; identity when !training or p == 0
Var dropout(const Var& x, float p, bool training, Rng& rng);

// ---- ops_loss.cpp ---- logits [B,K], targets in [0,K): mean over the batch of
// -log softmax(logits)[target], log-softmax and NLL fused. Returns shape [].
Var cross_entropy(const Var& logits, const std::vector<int32_t>& targets);
Var cross_entropy(const Var& logits, const int32_t* targets, int64_t count);

}  // namespace mp::ag
