#pragma once
// Adam with PyTorch semantics (torch.optim.Adam, single-tensor CPU path, amsgrad off):
//   g = g + weight_decay * p
//   m = lerp(m, g, 1 - beta1)               (m + (1-beta1)(g - m), PyTorch >= 2.0)
//   v = v * beta2 + (1 - beta2) * g * g
//   step_size = lr / (1 - beta1^t),  c2 = sqrt(1 - beta2^t)   (in double, then float)
//   p = p - step_size * m / (sqrt(v) / c2 + eps)
#include "nn/optimizer.h"

namespace mp::nn {

class Adam : public Optimizer {
 public:
  Adam(NamedParams params, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8, double weight_decay = 0.0);
  void step() override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state, int64_t step_count) override;

 private:
  double beta1_, beta2_, eps_, weight_decay_;
  Tensor m_, v_;  // first and second moment estimates, one slab each
};

}  // namespace mp::nn
