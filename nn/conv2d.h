#pragma once
// 2-D convolution layer, PyTorch layout: weight [out, in, k, k], bias [out]; square kernel.
#include <cstdint>

#include "nn/module.h"
#include "tensor/rng.h"

namespace mp::nn {

class Conv2d : public Module {
 public:
  // Initialised from rng (weight, then bias) with bound 1/sqrt(in * k * k).
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, Rng& rng, int64_t stride = 1,
         int64_t pad = 0, bool bias = true);

  ag::Var forward(const ag::Var& x) override;  // [N, in, H, W] -> [N, out, OH, OW]
  ag::Var forward_relu(const ag::Var& x);      // relu(forward(x)), fused
  std::string type_name() const override { return "Conv2d"; }

  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t kernel() const { return k_; }
  int64_t stride() const { return stride_; }
  int64_t pad() const { return pad_; }

  ag::Var weight;  // [out, in, k, k]
  ag::Var bias;    // [out], or undefined

 private:
  int64_t in_, out_, k_, stride_, pad_;
};

}  // namespace mp::nn
