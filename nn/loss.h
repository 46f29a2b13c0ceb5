#pragma once
// Losses as modules-like callables. CrossEntropyLoss: mean over the batch of the softmax
// cross-entropy of logits [B, K] against integer targets (PyTorch's default reduction).
#include <cstdint>
#include <vector>

#include "autograd/var.h"

namespace mp::nn {

class CrossEntropyLoss {
 public:
  ag::Var operator()(const ag::Var& logits, const std::vector<int32_t>& targets) const;
  ag::Var operator()(const ag::Var& logits, const int32_t* targets, int64_t count) const;
};

}  // namespace mp::nn
