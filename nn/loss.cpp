#include "nn/loss.h"

#include "autograd/ops.h"

namespace mp::nn {

ag::Var CrossEntropyLoss::operator()(const ag::Var& logits,
                                     const std::vector<int32_t>& targets) const {
  return ag::cross_entropy(logits, targets);
}

ag::Var CrossEntropyLoss::operator()(const ag::Var& logits, const int32_t* targets,
                                     int64_t count) const {
  return ag::cross_entropy(logits, targets, count);
}

}  // namespace mp::nn
