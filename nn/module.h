#pragma once
// Module: the PyTorch-shaped container of parameters (Vars that require grad), buffers (plain
// tensors such as BatchNorm running statistics) and child modules, each registered under a
// name in construction order. Names are dotted paths as PyTorch prints them
// (`fc1.weight`, `layer1.0.conv1.weight`, `bn1.running_mean`), so a checkpoint written from
// state_dict() loads into the equivalent torch.nn.Module and back.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"
#include "tensor/tensor.h"

namespace mp::nn {

using NamedVars = std::vector<std::pair<std::string, ag::Var>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;  // a copy would silently share parameters
  Module& operator=(const Module&) = delete;

  // The layer's computation; the base class throws (containers without a forward).
  virtual ag::Var forward(const ag::Var& x);
  ag::Var operator()(const ag::Var& x) { return forward(x); }
  // For messages: "Linear", "Conv2d", ...
  virtual std::string type_name() const = 0;

  // Own parameters first, then each child's, recursively (PyTorch order).
  NamedVars named_parameters() const;
  std::vector<ag::Var> parameters() const;
  NamedTensors named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const {
    return children_;
  }
  int64_t num_parameters() const;  // total element count

  // Parameters and buffers in PyTorch's state_dict order (per module: parameters, buffers,
  // then children). The tensors SHARE storage with the module: clone them to keep a snapshot.
  // BatchNorm's num_batches_tracked is omitted (PyTorch fills it in when it is missing).
  NamedTensors state_dict() const;
  // Copies every tensor into the module in place (so optimizer slabs stay valid). Checks the
  // whole map first and changes nothing on a mismatch; the error names the first shape
  // mismatch (expected vs found) and the missing and unexpected names. PyTorch's
  // "<bn>.num_batches_tracked" entries are accepted and ignored.
  void load_state_dict(const NamedTensors& sd);
  void load_state_dict(const std::map<std::string, Tensor>& sd);

  void train(bool on = true);  // this module and all children
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Zeroes every existing parameter gradient in place (see ag::Var::zero_grad).
  void zero_grad();

 protected:
  // Registers a leaf parameter (requires_grad is switched on) and returns it.
  ag::Var register_parameter(const std::string& name, ag::Var v);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    check_new_name(name);
    MP_CHECK(m != nullptr, type_name() << ": register_module('" << name << "') of a null module");
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void check_new_name(const std::string& name) const;
  void collect_parameters(const std::string& prefix, NamedVars& out) const;
  void collect_buffers(const std::string& prefix, NamedTensors& out) const;
  void collect_state(const std::string& prefix, NamedTensors& out) const;

  NamedVars params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace mp::nn
