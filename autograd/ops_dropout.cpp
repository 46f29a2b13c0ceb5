// Inverted dropout: y = x * mask with mask in {0, 1/(1-p)}; the same mask scales the gradient.
#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/dropout.h"
#include "tensor/elementwise.h"

namespace mp::ag {

Var dropout(const Var& x, float p, bool training, Rng& rng) {
  OpScope prof("dropout");
  MP_CHECK(x.defined(), "dropout: undefined operand");
  MP_CHECK(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got " << p);
  if (!training || p == 0.0f) return x;
  Tensor X = detail::contig(x);
  Tensor mask = Tensor::empty(X.shape());
  dropout_mask(rng, p, mask.data(), mask.numel());
  Tensor Y = Tensor::empty(X.shape());
  mul_f32(X.data(), mask.data(), Y.data(), Y.numel());
  return record("dropout", Y, {x}, [mask](const Tensor& G, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(mask.shape());
    mul_f32(G.data(), mask.data(), dx.data(), dx.numel());
    ctx.put(0, std::move(dx));
  });
}

}  // namespace mp::ag
