#pragma once
// Parameter-free shape and activation layers: ReLU, Flatten.
#include "nn/module.h"

namespace mp::nn {

class ReLU : public Module {
 public:
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class Flatten : public Module {
 public:
  explicit Flatten(int start_dim = 1) : start_dim_(start_dim) {}
  ag::Var forward(const ag::Var& x) override;  // [N, ...] -> [N, prod(...)]
  std::string type_name() const override { return "Flatten"; }

 private:
  int start_dim_;
};

}  // namespace mp::nn
