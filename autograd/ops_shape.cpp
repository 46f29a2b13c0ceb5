// Shape ops: views of the same data; backward reshapes/transposes the gradient back.
#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mp::ag {

Var reshape(const Var& x, const Shape& shape) {
  OpScope prof("reshape");
  MP_CHECK(x.defined(), "reshape: undefined operand");
  MP_CHECK(shape.numel() == x.numel(),
           "reshape: cannot reshape " << x.shape().str() << " to " << shape.str());
  Tensor y = x.data().reshape(shape);
  const Shape sx = x.shape();
  return record("reshape", y, {x},
                [sx](const Tensor& g, BackwardCtx& ctx) { ctx.put(0, g.reshape(sx)); });
}

Var flatten(const Var& x, int start_dim) {
  MP_CHECK(x.defined(), "flatten: undefined operand");
  const int nd = x.ndim();
  const int s = start_dim < 0 ? start_dim + nd : start_dim;
  MP_CHECK(s >= 0 && s < nd, "flatten: start_dim " << start_dim << " for " << x.shape().str());
  Shape out;
  int64_t rest = 1;
  for (int i = 0; i < nd; ++i) {
    if (i < s)
      out.push_back(x.size(i));
    else
      rest *= x.size(i);
  }
  out.push_back(rest);
  return reshape(x, out);
}

Var transpose(const Var& x, int a, int b) {
  OpScope prof("transpose");
  MP_CHECK(x.defined(), "transpose: undefined operand");
  Tensor y = x.data().transpose(a, b);  // validates a and b
  return record("transpose", y, {x}, [a, b](const Tensor& g, BackwardCtx& ctx) {
    ctx.put(0, g.transpose(a, b).contiguous());
  });
}

}  // namespace mp::ag
