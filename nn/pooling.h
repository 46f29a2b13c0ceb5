#pragma once
// Pooling layers (no parameters): MaxPool2d, AvgPool2d (count_include_pad), and
// GlobalAvgPool, which is AdaptiveAvgPool2d(1) followed by flatten: [N,C,H,W] -> [N,C].
#include <cstdint>

#include "nn/module.h"

namespace mp::nn {

class MaxPool2d : public Module {
 public:
  // stride 0 means stride = kernel (PyTorch's default).
  explicit MaxPool2d(int64_t kernel, int64_t stride = 0, int64_t pad = 0);
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "MaxPool2d"; }

 private:
  int64_t k_, stride_, pad_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(int64_t kernel, int64_t stride = 0, int64_t pad = 0);
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "AvgPool2d"; }

 private:
  int64_t k_, stride_, pad_;
};

class GlobalAvgPool : public Module {
 public:
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "GlobalAvgPool"; }
};

}  // namespace mp::nn
