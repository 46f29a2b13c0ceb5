#include "nn/module.h"

#include <set>
#include <sstream>

#include "autograd/grad_mode.h"

namespace mp::nn {

ag::Var Module::forward(const ag::Var&) {
  MP_FAIL(type_name() << " has no forward(); call its sub-modules instead");
}

void Module::check_new_name(const std::string& name) const {
  MP_CHECK(!name.empty() && name.find('.') == std::string::npos,
           type_name() << ": invalid member name '" << name << "' (non-empty, no dots)");
  for (const auto& p : params_)
    MP_CHECK(p.first != name, type_name() << ": duplicate name " << name);
  for (const auto& b : buffers_)
    MP_CHECK(b.first != name, type_name() << ": duplicate name " << name);
  for (const auto& c : children_)
    MP_CHECK(c.first != name, type_name() << ": duplicate name " << name);
}

ag::Var Module::register_parameter(const std::string& name, ag::Var v) {
  check_new_name(name);
  MP_CHECK(v.defined() && v.is_leaf(),
           type_name() << ": parameter '" << name << "' must be a defined leaf Var");
  v.set_requires_grad(true);
  params_.emplace_back(name, v);
  return v;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name);
  MP_CHECK(t.defined() && t.is_contiguous(),
           type_name() << ": buffer '" << name << "' must be a defined contiguous tensor");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::collect_parameters(const std::string& prefix, NamedVars& out) const {
  for (const auto& [n, v] : params_) out.emplace_back(prefix + n, v);
  for (const auto& [n, c] : children_) c->collect_parameters(prefix + n + ".", out);
}

void Module::collect_buffers(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, c] : children_) c->collect_buffers(prefix + n + ".", out);
}

void Module::collect_state(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [n, v] : params_) out.emplace_back(prefix + n, v.data());
  for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, c] : children_) c->collect_state(prefix + n + ".", out);
}

NamedVars Module::named_parameters() const {
  NamedVars out;
  collect_parameters("", out);
  return out;
}

std::vector<ag::Var> Module::parameters() const {
  std::vector<ag::Var> out;
  for (auto& kv : named_parameters()) out.push_back(kv.second);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect_buffers("", out);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& kv : named_parameters()) n += kv.second.numel();
  return n;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect_state("", out);
  return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& sd) {
  NamedTensors v(sd.begin(), sd.end());
  load_state_dict(v);
}

void Module::load_state_dict(const NamedTensors& sd) {
  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : sd) {
    MP_CHECK(given.emplace(n, &t).second, "load_state_dict: name '" << n << "' given twice");
  }
  const NamedTensors mine = state_dict();
  std::string first_mismatch;
  std::vector<std::string> missing, unexpected;
  std::set<std::string> expected;
  for (const auto& [n, t] : mine) {
    expected.insert(n);
    auto it = given.find(n);
    if (it == given.end()) {
      missing.push_back(n);
    } else if (first_mismatch.empty() &&
               (!it->second->defined() || it->second->shape() != t.shape())) {
      first_mismatch = "'" + n + "' expected shape " + t.shape().str() + ", found " +
                       (it->second->defined() ? it->second->shape().str() : "undefined");
    }
  }
  const std::string nbt = ".num_batches_tracked";
  for (const auto& [n, t] : sd) {
    if (expected.count(n)) continue;
    // PyTorch's BatchNorm counter (an int64 scalar memprobe does not keep): accepted and
    // ignored where the module has the matching running statistics.
    if (n.size() > nbt.size() && n.compare(n.size() - nbt.size(), nbt.size(), nbt) == 0 &&
        expected.count(n.substr(0, n.size() - nbt.size()) + ".running_mean"))
      continue;
    unexpected.push_back(n);
  }
  if (!first_mismatch.empty() || !missing.empty() || !unexpected.empty()) {
    std::ostringstream os;
    os << "load_state_dict into " << type_name() << ":";
    if (!first_mismatch.empty()) os << " shape mismatch: " << first_mismatch << ";";
    auto list = [&os](const char* what, const std::vector<std::string>& names) {
      if (names.empty()) return;
      os << " " << names.size() << " " << what << ":";
      for (size_t i = 0; i < names.size() && i < 8; ++i) os << (i ? ", " : " ") << names[i];
      if (names.size() > 8) os << ", ...";
      os << ";";
    };
    list("missing", missing);
    list("unexpected", unexpected);
    MP_FAIL(os.str());
  }
  ag::NoGradGuard no_grad;
  for (auto& [n, t] : mine) {
    Tensor dst = t;  // shares storage with the parameter or buffer
    dst.copy_from(*given.at(n));
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& kv : children_) kv.second->train(on);
}

void Module::zero_grad() {
  for (auto& kv : named_parameters()) kv.second.zero_grad();
}

}  // namespace mp::nn
