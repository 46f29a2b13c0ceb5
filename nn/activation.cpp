#include "nn/activation.h"

#include "autograd/ops.h"

namespace mp::nn {

ag::Var ReLU::forward(const ag::Var& x) {
  return ag::relu(x);
}

ag::Var Flatten::forward(const ag::Var& x) {
  return ag::flatten(x, start_dim_);
}

}  // namespace mp::nn
