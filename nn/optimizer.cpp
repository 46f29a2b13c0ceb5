#include "nn/optimizer.h"

#include <cstring>
#include <map>
#include <set>

namespace mp::nn {

namespace {
constexpr int64_t kSlotAlign = 16;  // floats: one 64-byte cache line
}

Optimizer::Optimizer(NamedParams params) : params_(std::move(params)) {
  MP_CHECK(!params_.empty(), "optimizer: no parameters");
  std::set<std::string> names;
  std::set<const ag::VarImpl*> seen;
  int64_t total = 0;
  for (const auto& [name, p] : params_) {
    MP_CHECK(p.defined() && p.is_leaf() && p.requires_grad(),
             "optimizer: parameter '" << name << "' must be a leaf Var that requires grad");
    MP_CHECK(names.insert(name).second, "optimizer: duplicate parameter name '" << name << "'");
    MP_CHECK(seen.insert(p.impl().get()).second,
             "optimizer: parameter '" << name << "' is listed twice");
    offsets_.push_back(total);
    total += (p.numel() + kSlotAlign - 1) / kSlotAlign * kSlotAlign;
  }
  values_ = Tensor::zeros({total});
  grads_ = Tensor::zeros({total});
  for (size_t i = 0; i < params_.size(); ++i) {
    ag::Var& p = params_[i].second;
    const int64_t off = offsets_[i], n = p.numel();
    Tensor v = values_.slice0(off, off + n).view(p.shape());
    v.copy_from(p.data());
    p.set_data(v);
    p.set_grad(grads_.slice0(off, off + n).view(p.shape()));
  }
}

void Optimizer::zero_grad() {
  // Lazily: the next backward writes each gradient instead of adding to it, so the slab is not
  // swept with zeros first (a gradient no backward reached reads as zeros; check_slab(), run
  // by every step(), reads them through Var::grad(), which fills the deferred zeros). The
  // padding between slots is never written and stays zero.
  for (auto& kv : params_) kv.second.zero_grad_lazy();
}

void Optimizer::set_lr(double lr) {
  MP_CHECK(lr >= 0.0, "optimizer: learning rate must be >= 0, got " << lr);
  lr_ = lr;
}

void Optimizer::check_slab() const {
  for (size_t i = 0; i < params_.size(); ++i) {
    const ag::Var& p = params_[i].second;
    MP_CHECK(p.data().same_storage(values_) && p.data().data() == values_.data() + offsets_[i],
             "optimizer: parameter '" << params_[i].first
                                      << "' no longer lives in this optimizer's slab (another "
                                         "optimizer or set_data re-homed it)");
    // A gradient handed to a fused update is not readable (and not needed): check where it
    // lives without reading it. Any other is read, which fills deferred zeros.
    const Tensor& g = p.grad_consumed() ? p.impl()->grad : p.grad();
    MP_CHECK(g.defined() && g.data() == grads_.data() + offsets_[i],
             "optimizer: the gradient of '" << params_[i].first
                                            << "' was replaced; use zero_grad(), not set_grad()");
  }
}

Tensor Optimizer::make_state_slab() const {
  return Tensor::zeros(values_.shape());
}

void Optimizer::export_slab(const Tensor& slab, const std::string& suffix,
                            OptimizerState& out) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    const ag::Var& p = params_[i].second;
    out.emplace_back(params_[i].first + suffix,
                     slab.slice0(offsets_[i], offsets_[i] + p.numel()).view(p.shape()).clone());
  }
}

std::vector<const Tensor*> Optimizer::find_state(const OptimizerState& state,
                                                 const std::string& suffix, const char* who) const {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [n, t] : state) by_name[n] = &t;
  std::vector<const Tensor*> out;
  for (const auto& [name, p] : params_) {
    auto it = by_name.find(name + suffix);
    MP_CHECK(it != by_name.end(), who << ".load_state: missing '" << name + suffix << "'");
    MP_CHECK(it->second->defined() && it->second->shape() == p.shape(),
             who << ".load_state: '" << name + suffix << "' expected shape " << p.shape().str()
                 << ", found "
                 << (it->second->defined() ? it->second->shape().str() : "undefined"));
    out.push_back(it->second);
  }
  return out;
}

void Optimizer::import_slab(const std::vector<const Tensor*>& src, Tensor& slab) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    const ag::Var& p = params_[i].second;
    Tensor dst = slab.slice0(offsets_[i], offsets_[i] + p.numel()).view(p.shape());
    dst.copy_from(*src[i]);
  }
}

void Optimizer::check_no_unexpected(const OptimizerState& state,
                                    const std::vector<std::string>& suffixes,
                                    const char* who) const {
  std::set<std::string> expected;
  for (const auto& kv : params_)
    for (const auto& s : suffixes) expected.insert(kv.first + s);
  for (const auto& kv : state)
    MP_CHECK(expected.count(kv.first), who << ".load_state: unexpected entry '" << kv.first << "'");
}

}  // namespace mp::nn
