#pragma once
// A consumer of a leaf's gradient in place of storing it: how an optimizer fuses its update into
// the backward pass (nn/sgd.h). An op that computes a parameter's whole gradient in one go (the
// Linear weight and bias) asks BackwardCtx::leaf_grad_sink for the parameter's sink and, when it
// gets one, hands it the gradient block by block while each block is in cache, instead of
// writing it to the gradient tensor that the optimizer would read back after backward.
//
// Contract: the sink receives every element of the gradient exactly once per backward, as
// disjoint ranges, possibly from several threads at once; it must not throw. After that the
// leaf's stored gradient is not the gradient (Var::grad() refuses to read it) until the next
// zero_grad_lazy(). A second contribution to the same leaf in the same backward (a parameter
// used twice) is refused with an error: the update has already happened.
#include <cstdint>

namespace mp::ag {

class GradSink {
 public:
  virtual ~GradSink() = default;
  // Elements [lo, hi) of the leaf's gradient, flat in its row-major order: g[0 .. hi - lo).
  virtual void consume(int64_t lo, int64_t hi, const float* g) = 0;
};

}  // namespace mp::ag
