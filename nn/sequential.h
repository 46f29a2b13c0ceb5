#pragma once
// Sequential: children named "0", "1", ... applied in order (PyTorch's nn.Sequential).
#include <memory>

#include "nn/module.h"

namespace mp::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  // Appends m under the next index and returns it.
  template <typename M>
  std::shared_ptr<M> add(std::shared_ptr<M> m) {
    layers_.push_back(m);
    return register_module(std::to_string(layers_.size() - 1), std::move(m));
  }
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "Sequential"; }

  size_t size() const { return layers_.size(); }
  Module& operator[](size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace mp::nn
