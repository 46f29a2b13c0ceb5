#include "nn/linear.h"

#include "autograd/ops.h"
#include "nn/init.h"

namespace mp::nn {

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias)
    : in_(in_features), out_(out_features) {
  MP_CHECK(in_ >= 1 && out_ >= 1,
           "Linear: sizes must be positive, got in " << in_ << " out " << out_);
  const float bound = fan_in_bound(in_);
  weight = register_parameter("weight", ag::Var(uniform_tensor({out_, in_}, bound, rng)));
  if (bias) this->bias = register_parameter("bias", ag::Var(uniform_tensor({out_}, bound, rng)));
}

ag::Var Linear::forward(const ag::Var& x) {
  return ag::linear(x, weight, bias);
}

ag::Var Linear::forward_relu(const ag::Var& x) {
  return ag::linear_relu(x, weight, bias);
}

}  // namespace mp::nn
