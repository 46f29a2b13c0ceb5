#pragma once
// Optimizer base: owns one flat, contiguous slab for all parameter values and one for all
// gradients (llm.c style). Construction copies every parameter into its slot of the value slab
// and re-points the parameter's Var at that slot (and its gradient at the matching slot of the
// gradient slab), so an update is one fused loop over the slab.
// Slots start on 64-byte boundaries; the padding between them stays zero.
//
// Consequences: create the optimizer after the model and before taking Tensor copies of
// parameter data; one optimizer per parameter set at a time (a new optimizer re-homes the
// parameters, and step() of the old one then refuses to run). Updates run under no-grad.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"
#include "tensor/tensor.h"

namespace mp::nn {

using NamedParams = std::vector<std::pair<std::string, ag::Var>>;
using OptimizerState = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  explicit Optimizer(NamedParams params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual void step() = 0;
  // Fuses the update into the backward pass where an op can hand a parameter's whole gradient
  // over (autograd/grad_sink.h: the Linear weights and biases): the same arithmetic element for
  // element, so parameters and state stay bit-identical to backward() then step(), while those
  // gradients are never stored (Var::grad() refuses them) and step() updates only the rest.
  // Takes effect from the next zero_grad(). Returns false, changing nothing, where the
  // optimizer does not support it (the base class; Adam).
  virtual bool set_fused(bool on) { return !on; }
  // Zeroes every gradient, lazily (Var::zero_grad_lazy): the next backward overwrites them.
  void zero_grad();

  // Hyper-parameters are doubles, like PyTorch's Python floats: derived scalars (Adam's bias
  // corrections, step size) are computed in double and rounded to float once, as PyTorch does.
  double lr() const { return lr_; }
  void set_lr(double lr);
  int64_t step_count() const { return step_count_; }
  const NamedParams& params() const { return params_; }
  int64_t slab_numel() const { return values_.numel(); }

  // Per-parameter state, PyTorch names: "<param>.momentum_buffer" (SGD with momentum, after
  // the first step), "<param>.exp_avg" and "<param>.exp_avg_sq" (Adam). Tensors are copies.
  virtual OptimizerState state() const = 0;
  // Restores state() output and the step counter for a bit-identical resume. Checks every name
  // and shape; changes nothing on a mismatch.
  virtual void load_state(const OptimizerState& state, int64_t step_count) = 0;

 protected:
  // Throws if a parameter no longer lives in this optimizer's slab (re-homed by another one).
  void check_slab() const;
  // A slab of the value slab's size, zero-filled (for momentum / moment estimates).
  Tensor make_state_slab() const;
  // Copies per-parameter views of `slab` out as "<param><suffix>" entries.
  void export_slab(const Tensor& slab, const std::string& suffix, OptimizerState& out) const;
  // Finds "<param><suffix>" for every parameter in `state` (all must exist with the right
  // shape) and returns them in parameter order; copy with import_slab after all checks pass.
  std::vector<const Tensor*> find_state(const OptimizerState& state, const std::string& suffix,
                                        const char* who) const;
  void import_slab(const std::vector<const Tensor*>& src, Tensor& slab) const;

  NamedParams params_;
  std::vector<int64_t> offsets_;  // slot start of each parameter in the slabs
  Tensor values_, grads_;         // the slabs, [slab_numel]
  // Throws unless every name in `state` is "<param><suffix>" for one of `suffixes`.
  void check_no_unexpected(const OptimizerState& state, const std::vector<std::string>& suffixes,
                           const char* who) const;

  double lr_ = 0.0;
  int64_t step_count_ = 0;
};

}  // namespace mp::nn
