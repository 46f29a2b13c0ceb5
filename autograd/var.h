#pragma once
// Var: a shared handle to a tensor that may take part in differentiation (flashlight's
// Variable, micrograd's Value with tensors). Copies of a Var share one VarImpl, so a parameter
// held by a layer and by an optimizer is the same object. A Var either is a leaf (created by
// the user, e.g. a parameter; backward accumulates into its grad) or the output of a recorded
// op (grad_fn set; its gradient flows on to the op's inputs and is not retained).
#include <memory>

#include "tensor/tensor.h"

namespace mp::ag {

class Node;
class GradSink;

struct VarImpl {
  Tensor data;
  Tensor grad;  // undefined until a backward pass reaches this leaf
  bool requires_grad = false;
  // grad is logically all zeros but its memory was not written (Var::zero_grad_lazy): the next
  // backward overwrites it instead of accumulating; Var::grad() fills the zeros on demand.
  bool grad_zero_pending = false;
  // A fused optimizer update (autograd/grad_sink.h): when set and the gradient is pending a lazy
  // zero, an op may hand the gradient to the sink instead of storing it; grad_consumed then
  // records that it did, until the next zero_grad_lazy().
  GradSink* grad_sink = nullptr;
  bool grad_consumed = false;
  std::shared_ptr<Node> grad_fn;  // null for leaves
};

class Var {
 public:
  Var() = default;  // undefined (e.g. "no bias")
  explicit Var(Tensor data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  // Writable data of a leaf, for in-place updates (optimizer steps, weight editing, loading).
  // Refused while grad mode is on for a Var that requires grad: a recorded op may have saved
  // this tensor for backward, and changing it would silently corrupt the gradient.
  Tensor& mutable_data();
  // Re-points a leaf at another tensor of the same shape (used to move parameters into one slab).
  void set_data(Tensor t);

  const Tensor& grad() const;  // undefined until backward writes it
  Tensor& mutable_grad();      // the leaf's gradient slot (may be undefined)
  void set_grad(Tensor g);     // same shape as data, or undefined

  bool requires_grad() const;
  void set_requires_grad(bool on);  // leaves only
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;

  // Fills an existing gradient with zeros (keeping its storage, so slab-backed gradients stay
  // in their slab); does nothing when the gradient is undefined.
  void zero_grad();
  // The same result without touching memory now: the gradient becomes logically zero, the next
  // backward writes it instead of adding to it (one pass over the gradient saved, and a GEMM
  // with beta = 0 instead of 1), and grad()/mutable_grad() fill the zeros first if read before
  // that. For a contiguous defined gradient; otherwise the same as zero_grad().
  void zero_grad_lazy();
  // Routes this leaf's gradient to `sink` (nullptr: stored as usual again); see grad_sink.h.
  // The sink must outlive its use; it acts only on gradients pending a lazy zero.
  void set_grad_sink(GradSink* sink);
  // True when the last backward handed this leaf's gradient to its sink instead of storing it.
  bool grad_consumed() const;
  // Backpropagates from this 1-element Var with seed gradient 1.
  void backward();
  // Backpropagates with an explicit seed of this Var's shape (vector-Jacobian product).
  void backward(const Tensor& grad_output);
  // A new leaf sharing this Var's data, outside the graph.
  Var detach() const;

  const Shape& shape() const { return data().shape(); }
  int ndim() const { return data().ndim(); }
  int64_t size(int d) const { return data().size(d); }
  int64_t numel() const { return data().numel(); }
  float item() const { return data().item(); }

  bool same(const Var& o) const { return impl_ == o.impl_; }
  const std::shared_ptr<VarImpl>& impl() const { return impl_; }
  // Wraps an op result (used by the op recorder).
  static Var from_impl(std::shared_ptr<VarImpl> impl);

 private:
  std::shared_ptr<VarImpl> impl_;
};

}  // namespace mp::ag
