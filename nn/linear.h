#pragma once
// Linear (fully connected) layer, PyTorch layout: weight [out, in], bias [out]; y = x W^T + b.
#include <cstdint>

#include "nn/module.h"
#include "tensor/rng.h"

namespace mp::nn {

class Linear : public Module {
 public:
  // Initialised from rng (weight, then bias) with bound 1/sqrt(in).
  Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias = true);

  ag::Var forward(const ag::Var& x) override;  // x [B, in] -> [B, out]
  ag::Var forward_relu(const ag::Var& x);      // relu(forward(x)), fused
  std::string type_name() const override { return "Linear"; }

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  bool has_bias() const { return bias.defined(); }

  ag::Var weight;  // [out, in]
  ag::Var bias;    // [out], or undefined

 private:
  int64_t in_, out_;
};

}  // namespace mp::nn
