#include "nn/conv2d.h"

#include "autograd/ops.h"
#include "nn/init.h"

namespace mp::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, Rng& rng, int64_t stride,
               int64_t pad, bool bias)
    : in_(in_channels), out_(out_channels), k_(kernel), stride_(stride), pad_(pad) {
  MP_CHECK(in_ >= 1 && out_ >= 1 && k_ >= 1 && stride_ >= 1 && pad_ >= 0,
           "Conv2d: invalid geometry in " << in_ << " out " << out_ << " kernel " << k_
                                          << " stride " << stride_ << " pad " << pad_);
  const float bound = fan_in_bound(in_ * k_ * k_);
  weight = register_parameter("weight", ag::Var(uniform_tensor({out_, in_, k_, k_}, bound, rng)));
  if (bias) this->bias = register_parameter("bias", ag::Var(uniform_tensor({out_}, bound, rng)));
}

ag::Var Conv2d::forward(const ag::Var& x) {
  return ag::conv2d(x, weight, bias, stride_, pad_);
}

ag::Var Conv2d::forward_relu(const ag::Var& x) {
  return ag::conv2d_relu(x, weight, bias, stride_, pad_);
}

}  // namespace mp::nn
