// Sums and means, over everything or along one dimension. Backward broadcasts the output
// gradient back over the reduced elements.
#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/broadcast.h"
#include "tensor/reduce.h"

namespace mp::ag {

using detail::contig;

namespace {

int norm_dim(const Var& x, int dim, const char* op) {
  MP_CHECK(x.defined(), op << ": undefined operand");
  const int d = dim < 0 ? dim + x.ndim() : dim;
  MP_CHECK(d >= 0 && d < x.ndim(),
           op << ": dim " << dim << " out of range for " << x.shape().str());
  return d;
}

// g (the reduced shape with keepdim) broadcast to `shape`, times s.
Tensor expand_scaled(const Tensor& g_keep, const Shape& shape, float s) {
  Tensor out = mp::add(Tensor::zeros(shape), g_keep);
  return s == 1.0f ? out : mul_scalar(out, s);
}

// The total (accumulated in double) divided by `divisor` (1 for sum, numel for mean).
Var sum_all_impl(const char* name, const Var& x, double divisor) {
  OpScope prof(name);
  MP_CHECK(x.defined(), name << ": undefined operand");
  Tensor y = Tensor::scalar(static_cast<float>(sum_all(x.data()) / divisor));
  const Shape sx = x.shape();
  return record(name, y, {x}, [sx, divisor](const Tensor& g, BackwardCtx& ctx) {
    ctx.put(0, Tensor::full(sx, static_cast<float>(g.item() / divisor)));
  });
}

Var sum_dim_impl(const char* name, const Var& x, int dim, bool keepdim, bool is_mean) {
  OpScope prof(name);
  const int d = norm_dim(x, dim, name);
  Tensor X = contig(x);
  Tensor y = is_mean ? mp::mean(X, d, keepdim) : mp::sum(X, d, keepdim);
  const Shape sx = x.shape();
  Shape keep = sx;
  keep[d] = 1;
  const float s = is_mean ? 1.0f / static_cast<float>(sx[d]) : 1.0f;
  return record(name, y, {x}, [sx, keep, s](const Tensor& g, BackwardCtx& ctx) {
    ctx.put(0, expand_scaled(g.reshape(keep), sx, s));
  });
}

}  // namespace

Var sum(const Var& x) {
  return sum_all_impl("sum", x, 1.0);
}

Var mean(const Var& x) {
  MP_CHECK(x.defined() && x.numel() > 0, "mean: empty or undefined operand");
  return sum_all_impl("mean", x, static_cast<double>(x.numel()));
}

Var sum(const Var& x, int dim, bool keepdim) {
  return sum_dim_impl("sum", x, dim, keepdim, false);
}

Var mean(const Var& x, int dim, bool keepdim) {
  return sum_dim_impl("mean", x, dim, keepdim, true);
}

}  // namespace mp::ag
