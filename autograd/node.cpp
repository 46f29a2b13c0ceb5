#include "autograd/node.h"

#include "autograd/grad_mode.h"
#include "autograd/profiler.h"

namespace mp::ag {

void BackwardCtx::put(int i, Tensor g) {
  const size_t k = static_cast<size_t>(i);
  MP_CHECK(k < edges_.size(), "backward: gradient for input " << i << " of a node with "
                                                              << edges_.size() << " inputs");
  if (!edges_[k].active() || !g.defined()) return;
  out_[k] = std::move(g);
}

Tensor* BackwardCtx::leaf_grad_out(int i, float* beta) {
  const Edge& e = edges_[static_cast<size_t>(i)];
  if (!e.leaf) return nullptr;
  Tensor& g = e.leaf->grad;
  check_not_consumed(*e.leaf);
  if (!g.defined() || !g.is_contiguous() || g.shape() != e.shape) return nullptr;
  *beta = e.leaf->grad_zero_pending ? 0.0f : 1.0f;
  e.leaf->grad_zero_pending = false;
  return &g;
}

GradSink* BackwardCtx::leaf_grad_sink(int i) {
  const Edge& e = edges_[static_cast<size_t>(i)];
  if (!e.leaf || !e.leaf->grad_sink) return nullptr;
  check_not_consumed(*e.leaf);
  if (!e.leaf->grad_zero_pending) return nullptr;  // a contribution was stored already
  e.leaf->grad_zero_pending = false;
  e.leaf->grad_consumed = true;
  return e.leaf->grad_sink;
}

void check_not_consumed(const VarImpl& leaf) {
  MP_CHECK(!leaf.grad_consumed,
           "backward: a second gradient contribution reached a parameter whose gradient already "
           "went into a fused optimizer update (a parameter used twice in one step); train "
           "without the fused update (Optimizer::set_fused(false))");
}

Node::~Node() {
  // Move out every producer this node is the last owner of, then do the same for each of them
  // with an explicit stack, so each node dies with an empty edge list (no recursion).
  std::vector<std::shared_ptr<Node>> stack;
  auto take_children = [&stack](std::vector<Edge>& edges) {
    for (Edge& e : edges)
      if (e.fn && e.fn.use_count() == 1) stack.push_back(std::move(e.fn));
    edges.clear();
  };
  take_children(next_);
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    take_children(n->next_);
  }  // n is destroyed here, childless
}

bool should_record(std::initializer_list<Var> inputs) {
  if (!grad_enabled()) return false;
  for (const Var& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

Var record(const char* name, Tensor out, std::initializer_list<Var> inputs, BackwardFn fn) {
  const int64_t ev = profiler_current_event();
  if (ev >= 0) profiler_set_output(ev, out.shape());
  if (!should_record(inputs)) return Var(std::move(out), false);
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Var& v : inputs) {
    Edge e;
    if (v.requires_grad()) {
      e.shape = v.shape();
      if (v.grad_fn())
        e.fn = v.grad_fn();
      else
        e.leaf = v.impl();
    }
    edges.push_back(std::move(e));
  }
  auto impl = std::make_shared<VarImpl>();
  impl->data = std::move(out);
  impl->requires_grad = true;
  impl->grad_fn = std::make_shared<Node>(name, std::move(edges), std::move(fn));
  impl->grad_fn->prof_event_ = ev;
  return Var::from_impl(std::move(impl));
}

}  // namespace mp::ag
