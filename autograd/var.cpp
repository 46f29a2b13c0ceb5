#include "autograd/var.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tensor/broadcast.h"

namespace mp::ag {

Var::Var(Tensor data, bool requires_grad) : impl_(std::make_shared<VarImpl>()) {
  MP_CHECK(data.defined(), "Var: constructed from an undefined tensor");
  impl_->data = std::move(data);
  impl_->requires_grad = requires_grad;
}

Var Var::from_impl(std::shared_ptr<VarImpl> impl) {
  Var v;
  v.impl_ = std::move(impl);
  return v;
}

const Tensor& Var::data() const {
  MP_CHECK(defined(), "Var::data() of an undefined Var");
  return impl_->data;
}

Tensor& Var::mutable_data() {
  MP_CHECK(defined(), "Var::mutable_data() of an undefined Var");
  MP_CHECK(!(impl_->requires_grad && grad_enabled()),
           "Var::mutable_data(): in-place change of a tensor that requires grad "
               << impl_->data.shape().str() << " while grad mode is on; use NoGradGuard");
  return impl_->data;
}

void Var::set_data(Tensor t) {
  MP_CHECK(defined(), "Var::set_data() of an undefined Var");
  MP_CHECK(is_leaf(), "Var::set_data(): only a leaf's data can be replaced");
  MP_CHECK(t.defined() && t.shape() == impl_->data.shape(),
           "Var::set_data(): shape " << (t.defined() ? t.shape().str() : "undefined")
                                     << " replacing " << impl_->data.shape().str());
  impl_->data = std::move(t);
}

namespace {
// Writes the zeros a lazy zero_grad deferred (see VarImpl::grad_zero_pending).
void materialize_grad(VarImpl& v) {
  if (!v.grad_zero_pending) return;
  v.grad_zero_pending = false;
  if (v.grad.defined()) v.grad.fill(0.0f);
}
}  // namespace

const Tensor& Var::grad() const {
  MP_CHECK(defined(), "Var::grad() of an undefined Var");
  MP_CHECK(!impl_->grad_consumed,
           "Var::grad(): this parameter's gradient went straight into a "
           "fused optimizer update and was not stored");
  materialize_grad(*impl_);
  return impl_->grad;
}

Tensor& Var::mutable_grad() {
  MP_CHECK(defined(), "Var::mutable_grad() of an undefined Var");
  MP_CHECK(!impl_->grad_consumed,
           "Var::mutable_grad(): this parameter's gradient went straight "
           "into a fused optimizer update and was not stored");
  materialize_grad(*impl_);
  return impl_->grad;
}

void Var::set_grad(Tensor g) {
  MP_CHECK(defined(), "Var::set_grad() of an undefined Var");
  MP_CHECK(!g.defined() || g.shape() == impl_->data.shape(), "Var::set_grad(): gradient shape "
                                                                 << g.shape().str() << " for data "
                                                                 << impl_->data.shape().str());
  impl_->grad = std::move(g);
  impl_->grad_zero_pending = false;
}

bool Var::requires_grad() const {
  return defined() && impl_->requires_grad;
}

void Var::set_requires_grad(bool on) {
  MP_CHECK(defined(), "Var::set_requires_grad() of an undefined Var");
  MP_CHECK(is_leaf(), "Var::set_requires_grad(): only leaves can change requires_grad");
  impl_->requires_grad = on;
}

bool Var::is_leaf() const {
  return defined() && impl_->grad_fn == nullptr;
}

const std::shared_ptr<Node>& Var::grad_fn() const {
  MP_CHECK(defined(), "Var::grad_fn() of an undefined Var");
  return impl_->grad_fn;
}

void Var::zero_grad() {
  if (!defined()) return;
  impl_->grad_zero_pending = false;
  if (impl_->grad.defined()) impl_->grad.fill(0.0f);
}

void Var::zero_grad_lazy() {
  if (!defined()) return;
  impl_->grad_consumed = false;
  if (!impl_->grad.defined()) return;
  if (impl_->grad.is_contiguous())
    impl_->grad_zero_pending = true;
  else
    zero_grad();
}

void Var::set_grad_sink(GradSink* sink) {
  MP_CHECK(defined() && is_leaf(), "Var::set_grad_sink(): only a leaf's gradient has a sink");
  impl_->grad_sink = sink;
}

bool Var::grad_consumed() const {
  return defined() && impl_->grad_consumed;
}

void Var::backward() {
  MP_CHECK(defined(), "backward() of an undefined Var");
  MP_CHECK(numel() == 1, "backward() without a seed needs a 1-element Var, got "
                             << shape().str() << "; pass grad_output");
  run_backward(impl_, Tensor::full(shape(), 1.0f));
}

void Var::backward(const Tensor& grad_output) {
  MP_CHECK(defined(), "backward() of an undefined Var");
  MP_CHECK(
      grad_output.defined() && grad_output.shape() == shape(),
      "backward(): seed shape " << grad_output.shape().str() << " for output " << shape().str());
  run_backward(impl_, grad_output.contiguous());
}

Var Var::detach() const {
  return Var(data(), false);
}

}  // namespace mp::ag
