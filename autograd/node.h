#pragma once
// The recorded graph. Each differentiable op that ran with grad mode on and an input requiring
// a gradient leaves one Node: its backward closure (holding only the tensors backward needs)
// and one Edge per input telling where that input's gradient goes -- into the Node that
// produced the input, or into the .grad of a leaf Var. Ops are written micrograd-style:
//
//   Tensor y = ...forward kernel...;
//   return record("relu", y, {x}, [y](const Tensor& gy, BackwardCtx& ctx) {
//     Tensor dx = Tensor::empty(y.shape());
//     relu_bwd(y.data(), gy.data(), dx.data(), y.numel());
//     ctx.put(0, std::move(dx));
//   });
//
// Closures must capture Tensors (and plain values), never Vars: a Var would keep its producer
// node alive through the closure, outside the edges that the iterative destructor walks.
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "autograd/grad_sink.h"
#include "autograd/var.h"
#include "tensor/tensor.h"

namespace mp::ag {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;       // set when the input is an op output
  std::shared_ptr<VarImpl> leaf;  // set when the input is a leaf that requires grad
  Shape shape;                    // the input's shape, to validate incoming gradients
  bool active() const { return fn != nullptr || leaf != nullptr; }
};

// What a backward closure sees besides the output gradient: which inputs want a gradient,
// and where to hand them.
class BackwardCtx {
 public:
  BackwardCtx(const std::vector<Edge>& edges, std::vector<Tensor>& out)
      : edges_(edges), out_(out) {}
  bool needs(int i) const { return edges_[static_cast<size_t>(i)].active(); }
  // Hands the gradient of input i to the engine, which accumulates it (ignored if not needed).
  void put(int i, Tensor g);
  // If input i is a leaf whose gradient already exists (e.g. a parameter with a slab-backed
  // gradient), returns that tensor, else nullptr. *beta = 0 when the gradient is pending a lazy
  // zero (Var::zero_grad_lazy): the op writes its whole gradient straight in, and the gradient
  // counts as written. *beta = 1 when the op must accumulate: it computes its gradient exactly
  // as for beta 0 (same kernel call, into a temporary) and adds it elementwise. A lazily zeroed
  // gradient and an eagerly zeroed one are then bit-identical whatever the BLAS kernel; a
  // beta = 1 GEMM would round differently on some kernels (tests/nn/test_optim_lazy_zero.cpp).
  Tensor* leaf_grad_out(int i, float* beta);
  // If input i is a leaf with a GradSink (autograd/grad_sink.h) whose gradient is pending a lazy
  // zero, returns the sink and counts the gradient as consumed: the op must then hand the sink
  // every element of its gradient for input i, and store nothing. Else nullptr (store it as
  // usual, via leaf_grad_out or put).
  GradSink* leaf_grad_sink(int i);

 private:
  const std::vector<Edge>& edges_;
  std::vector<Tensor>& out_;
};

// Throws if the leaf's gradient went into a fused optimizer update in this backward (a second
// contribution would come after the update).
void check_not_consumed(const VarImpl& leaf);

using BackwardFn = std::function<void(const Tensor& grad_out, BackwardCtx& ctx)>;

class Node {
 public:
  Node(const char* name, std::vector<Edge> next, BackwardFn fn)
      : name_(name), next_(std::move(next)), fn_(std::move(fn)) {}
  // Releases the chain of producer nodes iteratively: a 100,000-op chain would otherwise
  // overflow the stack through nested shared_ptr destructors (PyTorch's deleteNode trick).
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  const std::vector<Edge>& next() const { return next_; }
  // True once backward has run through this node and freed its saved tensors.
  bool released() const { return !fn_; }

 private:
  friend void run_backward(const std::shared_ptr<VarImpl>& root, const Tensor& seed);
  const char* name_;
  std::vector<Edge> next_;
  BackwardFn fn_;
  // Per-backward scratch, owned by the engine.
  Tensor grad_;
  int deps_ = 0;
  uint64_t epoch_ = 0;
  int64_t prof_event_ = -1;  // profiler event of the op that recorded this node (profiler.h)
  friend Var record(const char*, Tensor, std::initializer_list<Var>, BackwardFn);
};

// True when an op over these inputs must record a node (grad mode on, some input needs grad).
bool should_record(std::initializer_list<Var> inputs);
// Wraps `out` in a Var; records a node with `fn` if should_record(inputs). Undefined Vars
// among the inputs (an absent bias) get an inactive edge.
Var record(const char* name, Tensor out, std::initializer_list<Var> inputs, BackwardFn fn);

// The backward engine (engine.cpp): topological order by an explicit stack, no recursion.
void run_backward(const std::shared_ptr<VarImpl>& root, const Tensor& seed);

}  // namespace mp::ag
