#pragma once
// BatchNorm2d, PyTorch names and semantics: parameters weight (gamma, init 1) and bias (beta,
// init 0), buffers running_mean (0) and running_var (1); training mode normalises with batch
// statistics and updates the running ones, eval mode uses the running ones.
#include <cstdint>

#include "nn/module.h"

namespace mp::nn {

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t channels, float eps = 1e-5f, float momentum = 0.1f);
  ag::Var forward(const ag::Var& x) override;  // [N, C, H, W]
  std::string type_name() const override { return "BatchNorm2d"; }

  int64_t channels() const { return c_; }

  ag::Var weight, bias;
  Tensor running_mean, running_var;

 private:
  int64_t c_;
  float eps_, momentum_;
};

}  // namespace mp::nn
