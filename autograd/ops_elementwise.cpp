// Element-wise arithmetic with numpy broadcasting, and ReLU. The gradient of a broadcast
// operand is the output gradient summed back over the expanded dimensions (sum_to_shape).
#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"

namespace mp::ag {

using detail::contig;

namespace {

void check_pair(const char* op, const Var& a, const Var& b) {
  MP_CHECK(a.defined() && b.defined(), op << ": undefined operand");
}

// Gradient g of the broadcast result reduced to the operand's shape.
Tensor reduce_to(const Tensor& g, const Shape& s) {
  return g.shape() == s ? g : sum_to_shape(g, s);
}

}  // namespace

Var add(const Var& a, const Var& b) {
  OpScope prof("add");
  check_pair("add", a, b);
  Tensor y = mp::add(contig(a), contig(b));
  const Shape sa = a.shape(), sb = b.shape();
  return record("add", y, {a, b}, [sa, sb](const Tensor& g, BackwardCtx& ctx) {
    if (ctx.needs(0)) ctx.put(0, reduce_to(g, sa));
    if (ctx.needs(1)) ctx.put(1, reduce_to(g, sb));
  });
}

Var sub(const Var& a, const Var& b) {
  OpScope prof("sub");
  check_pair("sub", a, b);
  Tensor y = mp::sub(contig(a), contig(b));
  const Shape sa = a.shape(), sb = b.shape();
  return record("sub", y, {a, b}, [sa, sb](const Tensor& g, BackwardCtx& ctx) {
    if (ctx.needs(0)) ctx.put(0, reduce_to(g, sa));
    if (ctx.needs(1)) ctx.put(1, mul_scalar(reduce_to(g, sb), -1.0f));
  });
}

Var mul(const Var& a, const Var& b) {
  OpScope prof("mul");
  check_pair("mul", a, b);
  Tensor A = contig(a), B = contig(b);
  Tensor y = mp::mul(A, B);
  if (!should_record({a, b})) return Var(y);
  const Shape sa = a.shape(), sb = b.shape();
  Tensor As = b.requires_grad() ? A : Tensor(), Bs = a.requires_grad() ? B : Tensor();
  return record("mul", y, {a, b}, [As, Bs, sa, sb](const Tensor& g, BackwardCtx& ctx) {
    if (ctx.needs(0)) ctx.put(0, reduce_to(mp::mul(g, Bs), sa));  // d(ab)/da = b
    if (ctx.needs(1)) ctx.put(1, reduce_to(mp::mul(g, As), sb));  // d(ab)/db = a
  });
}

Var div(const Var& a, const Var& b) {
  OpScope prof("div");
  check_pair("div", a, b);
  Tensor A = contig(a), B = contig(b);
  Tensor y = mp::div(A, B);
  if (!should_record({a, b})) return Var(y);
  const Shape sa = a.shape(), sb = b.shape();
  Tensor Ys = b.requires_grad() ? y : Tensor();
  return record("div", y, {a, b}, [B, Ys, sa, sb](const Tensor& g, BackwardCtx& ctx) {
    Tensor gb = mp::div(g, B);                        // g / b
    if (ctx.needs(0)) ctx.put(0, reduce_to(gb, sa));  // d(a/b)/da = 1/b
    if (ctx.needs(1))                                 // d(a/b)/db = -a/b^2 = -y/b
      ctx.put(1, reduce_to(mul_scalar(mp::mul(gb, Ys), -1.0f), sb));
  });
}

Var scale(const Var& x, float s) {
  OpScope prof("scale");
  MP_CHECK(x.defined(), "scale: undefined operand");
  Tensor y = mul_scalar(contig(x), s);
  return record("scale", y, {x},
                [s](const Tensor& g, BackwardCtx& ctx) { ctx.put(0, mul_scalar(g, s)); });
}

Var relu(const Var& x) {
  OpScope prof("relu");
  MP_CHECK(x.defined(), "relu: undefined operand");
  Tensor X = contig(x);
  Tensor y = Tensor::empty(X.shape());
  relu_fwd(X.data(), y.data(), y.numel());
  return record("relu", y, {x}, [y](const Tensor& g, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(y.shape());
    relu_bwd(y.data(), g.data(), dx.data(), y.numel());  // masks by the output: y > 0
    ctx.put(0, std::move(dx));
  });
}

}  // namespace mp::ag
