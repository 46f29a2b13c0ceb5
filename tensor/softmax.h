#pragma once
// Row-wise log-softmax and the softmax cross-entropy loss (the classification head).
// Numerically stable: the row max is subtracted before exponentiating.
#include <cstdint>

namespace mp {

// x [M,N] -> y [M,N] = x - max - log(sum exp(x - max)) per row
void log_softmax_rows(const float* x, int64_t M, int64_t N, float* y);
// logits [M,N], targets [M] in [0,N) -> mean over rows of -log softmax(logits)[target];
// writes probs [M,N] (the softmax) for backward. Throws mp::Error on a target out of range.
double cross_entropy_fwd(const float* logits, const int32_t* targets, int64_t M, int64_t N,
                         float* probs);
// dlogits [M,N] = dloss * (probs - onehot(targets)) / M  (overwritten)
void cross_entropy_bwd(const float* probs, const int32_t* targets, int64_t M, int64_t N,
                       float dloss, float* dlogits);

void log_softmax_rows_ref(const float* x, int64_t M, int64_t N, float* y);
double cross_entropy_fwd_ref(const float* logits, const int32_t* targets, int64_t M, int64_t N,
                             float* probs);
void cross_entropy_bwd_ref(const float* probs, const int32_t* targets, int64_t M, int64_t N,
                           float dloss, float* dlogits);

}  // namespace mp
