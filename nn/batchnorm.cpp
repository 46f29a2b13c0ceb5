#include "nn/batchnorm.h"

#include "autograd/ops.h"

namespace mp::nn {

BatchNorm2d::BatchNorm2d(int64_t channels, float eps, float momentum)
    : c_(channels), eps_(eps), momentum_(momentum) {
  MP_CHECK(c_ >= 1 && eps_ > 0.0f && momentum_ >= 0.0f && momentum_ <= 1.0f,
           "BatchNorm2d: channels " << c_ << " eps " << eps_ << " momentum " << momentum_);
  weight = register_parameter("weight", ag::Var(Tensor::full({c_}, 1.0f)));
  bias = register_parameter("bias", ag::Var(Tensor::zeros({c_})));
  running_mean = register_buffer("running_mean", Tensor::zeros({c_}));
  running_var = register_buffer("running_var", Tensor::full({c_}, 1.0f));
}

ag::Var BatchNorm2d::forward(const ag::Var& x) {
  return ag::batch_norm2d(x, weight, bias, running_mean, running_var, is_training(), momentum_,
                          eps_);
}

}  // namespace mp::nn
