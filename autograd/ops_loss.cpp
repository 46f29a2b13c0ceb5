// Softmax cross-entropy, log-softmax and NLL fused: the forward keeps the softmax, whose
// difference with the one-hot targets is the whole gradient.
#include <memory>
#include <vector>

#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/softmax.h"

namespace mp::ag {

Var cross_entropy(const Var& logits, const int32_t* targets, int64_t count) {
  OpScope prof("cross_entropy");
  MP_CHECK(logits.defined() && logits.ndim() == 2,
           "cross_entropy: logits " << detail::shape_str(logits) << " are not [B,K]");
  const int64_t B = logits.size(0), K = logits.size(1);
  MP_CHECK(count == B, "cross_entropy: " << count << " targets for " << B << " rows of logits");
  MP_CHECK(B > 0 && K > 0, "cross_entropy: empty logits " << logits.shape().str());
  Tensor X = detail::contig(logits);
  Tensor probs = Tensor::empty({B, K});
  const double loss = cross_entropy_fwd(X.data(), targets, B, K, probs.data());
  Tensor y = Tensor::scalar(static_cast<float>(loss));
  if (!should_record({logits})) return Var(y);
  auto t = std::make_shared<std::vector<int32_t>>(targets, targets + count);
  return record("cross_entropy", y, {logits}, [probs, t, B, K](const Tensor& g, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty({B, K});
    cross_entropy_bwd(probs.data(), t->data(), B, K, g.item(), dx.data());
    ctx.put(0, std::move(dx));
  });
}

Var cross_entropy(const Var& logits, const std::vector<int32_t>& targets) {
  return cross_entropy(logits, targets.data(), static_cast<int64_t>(targets.size()));
}

}  // namespace mp::ag
