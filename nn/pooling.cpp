#include "nn/pooling.h"

#include "autograd/ops.h"

namespace mp::nn {

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride, int64_t pad)
    : k_(kernel), stride_(stride == 0 ? kernel : stride), pad_(pad) {
  MP_CHECK(k_ >= 1 && stride_ >= 1 && pad_ >= 0,
           "MaxPool2d: kernel " << k_ << " stride " << stride_ << " pad " << pad_);
}

ag::Var MaxPool2d::forward(const ag::Var& x) {
  return ag::max_pool2d(x, k_, stride_, pad_);
}

AvgPool2d::AvgPool2d(int64_t kernel, int64_t stride, int64_t pad)
    : k_(kernel), stride_(stride == 0 ? kernel : stride), pad_(pad) {
  MP_CHECK(k_ >= 1 && stride_ >= 1 && pad_ >= 0,
           "AvgPool2d: kernel " << k_ << " stride " << stride_ << " pad " << pad_);
}

ag::Var AvgPool2d::forward(const ag::Var& x) {
  return ag::avg_pool2d(x, k_, stride_, pad_);
}

ag::Var GlobalAvgPool::forward(const ag::Var& x) {
  return ag::global_avg_pool(x);
}

}  // namespace mp::nn
