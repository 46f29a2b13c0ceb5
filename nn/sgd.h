#pragma once
// SGD with PyTorch semantics (torch.optim.SGD, single-tensor path):
//   d = g + weight_decay * p
//   buf = d on the first step, else buf = momentum * buf + (1 - dampening) * d
//   d = nesterov ? d + momentum * buf : buf        (when momentum != 0)
//   p = p - lr * d
#include <memory>
#include <vector>

#include "autograd/grad_sink.h"
#include "nn/optimizer.h"

namespace mp::nn {

class SGD : public Optimizer {
 public:
  SGD(NamedParams params, double lr, double momentum = 0.0, double dampening = 0.0,
      double weight_decay = 0.0, bool nesterov = false);
  ~SGD() override;
  void step() override;
  bool set_fused(bool on) override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state, int64_t step_count) override;

 private:
  double momentum_, dampening_, weight_decay_;
  bool nesterov_;
  Tensor buf_;            // momentum buffers, one slab
  bool has_buf_ = false;  // PyTorch creates the buffer on the first step

  // The update of slab elements [lo, hi) from their gradient g[0 .. hi - lo): step()'s
  // arithmetic, run by step() and by the fused sinks alike.
  void update(int64_t lo, int64_t hi, const float* g);
  // The fused path: one sink per parameter, at its slot in the slab.
  class Sink : public ag::GradSink {
   public:
    Sink(SGD* opt, int64_t offset) : opt_(opt), offset_(offset) {}
    void consume(int64_t lo, int64_t hi, const float* g) override {
      opt_->update(offset_ + lo, offset_ + hi, g);
    }

   private:
    SGD* opt_;
    int64_t offset_;
  };
  std::vector<std::unique_ptr<Sink>> sinks_;  // empty unless fused
};

}  // namespace mp::nn
