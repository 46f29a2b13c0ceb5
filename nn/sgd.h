#pragma once
// SGD with PyTorch semantics (torch.optim.SGD, single-tensor path):
//   d = g + weight_decay * p
//   buf = d on the first step, else buf = momentum * buf + (1 - dampening) * d
//   d = nesterov ? d + momentum * buf : buf        (when momentum != 0)
//   p = p - lr * d
#include "nn/optimizer.h"

namespace mp::nn {

class SGD : public Optimizer {
 public:
  SGD(NamedParams params, double lr, double momentum = 0.0, double dampening = 0.0,
      double weight_decay = 0.0, bool nesterov = false);
  void step() override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state, int64_t step_count) override;

 private:
  double momentum_, dampening_, weight_decay_;
  bool nesterov_;
  Tensor buf_;            // momentum buffers, one slab
  bool has_buf_ = false;  // PyTorch creates the buffer on the first step
};

}  // namespace mp::nn
