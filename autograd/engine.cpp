// The backward engine: a reverse topological walk of the recorded graph with explicit stacks
// (no recursion, so graph depth is unbounded). Each node runs once, after every consumer has
// contributed to its output gradient; its closure (and so its saved tensors) is freed right
// after it runs, tinygrad-style. Gradients reaching leaves are accumulated into their .grad.
#include <atomic>
#include <chrono>
#include <cstdint>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"

namespace mp::ag {

namespace {

// Distinguishes this pass's scratch counts from an earlier pass's (atomic: passes over
// separate graphs may run on separate threads).
std::atomic<uint64_t> g_epoch{0};

// leaf.grad += g. A leaf's gradient tensor belongs to the leaf alone (first write clones), so
// in-place accumulation cannot leak into another tensor.
void accumulate_leaf(VarImpl& leaf, const Tensor& g) {
  check_not_consumed(leaf);
  Tensor& dst = leaf.grad;
  const bool pending = leaf.grad_zero_pending;
  leaf.grad_zero_pending = false;
  if (!dst.defined()) {
    dst = g.clone();
  } else if (pending && dst.is_contiguous()) {  // lazily zeroed: 0 + g is a copy
    dst.copy_from(g);
  } else if (pending) {  // (zero_grad_lazy marks only contiguous gradients)
    dst = g.clone();
  } else if (dst.is_contiguous()) {
    add_f32(dst.data(), g.data(), dst.data(), dst.numel());
  } else {
    dst = mp::add(dst, g);
  }
}

// node.grad += g. A node's buffer may alias a tensor held elsewhere (an op may pass its output
// gradient straight through), so a second contribution makes a fresh sum instead of adding in
// place. This happens only where a value is used twice (e.g. residual connections).
void accumulate_node(Tensor& buf, Tensor g) {
  if (!buf.defined())
    buf = std::move(g);
  else
    buf = mp::add(buf, g);
}

}  // namespace

void run_backward(const std::shared_ptr<VarImpl>& root, const Tensor& seed) {
  MP_CHECK(root->requires_grad,
           "backward(): the output does not require grad (no input required grad, or it was "
           "computed under NoGradGuard)");
  NoGradGuard no_grad;   // backward closures compute plain tensors; nothing to record
  if (!root->grad_fn) {  // a leaf: d(leaf)/d(leaf) = identity
    accumulate_leaf(*root, seed);
    return;
  }
  Node* start = root->grad_fn.get();
  MP_CHECK(!start->released(),
           "backward(): the graph of this output was already freed by an earlier backward pass");

  // Pass 1: count, for every reachable node, how many edges of reachable nodes point at it.
  const uint64_t epoch = ++g_epoch;
  std::vector<Node*> stack{start};
  start->epoch_ = epoch;
  start->deps_ = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (Edge& e : n->next_) {
      if (!e.fn) continue;
      Node* c = e.fn.get();
      if (c->epoch_ != epoch) {
        c->epoch_ = epoch;
        c->deps_ = 0;
        c->grad_ = Tensor();
        stack.push_back(c);
      }
      ++c->deps_;
    }
  }

  // Pass 2: run nodes whose consumers are all done (Kahn's algorithm).
  start->grad_ = seed;
  stack.push_back(start);
  std::vector<Tensor> grads;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    MP_CHECK(!n->released(), "backward(): node '" << n->name()
                                                  << "' was already freed by an earlier backward "
                                                     "pass (its graph is shared with this one)");
    const bool timed = n->prof_event_ >= 0 && profiling();
    const auto t0 =
        timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    Tensor g = std::move(n->grad_);
    n->grad_ = Tensor();
    grads.assign(n->next_.size(), Tensor());
    if (g.defined()) {
      BackwardCtx ctx(n->next_, grads);
      n->fn_(g.is_contiguous() ? g : g.contiguous(), ctx);
    }
    n->fn_ = nullptr;  // frees the saved tensors
    for (size_t i = 0; i < n->next_.size(); ++i) {
      Edge& e = n->next_[i];
      Tensor& gi = grads[i];
      if (gi.defined()) {
        MP_CHECK(gi.shape() == e.shape, "backward(): node '"
                                            << n->name() << "' produced a " << gi.shape().str()
                                            << " gradient for input " << i << " of shape "
                                            << e.shape.str());
        if (!gi.is_contiguous()) gi = gi.contiguous();
        if (e.fn)
          accumulate_node(e.fn->grad_, std::move(gi));
        else if (e.leaf)
          accumulate_leaf(*e.leaf, gi);
      }
      if (e.fn && --e.fn->deps_ == 0) stack.push_back(e.fn.get());
    }
    if (timed) {
      const bool input_grad = !n->next_.empty() && n->next_[0].active();
      profiler_add_backward(
          n->prof_event_,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), input_grad);
    }
  }
}

}  // namespace mp::ag
