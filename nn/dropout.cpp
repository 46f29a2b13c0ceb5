#include "nn/dropout.h"

#include "autograd/ops.h"

namespace mp::nn {

Dropout::Dropout(float p, Rng& rng) : p_(p), rng_(rng.next_u32()) {
  MP_CHECK(p_ >= 0.0f && p_ < 1.0f, "Dropout: p must be in [0, 1), got " << p_);
}

ag::Var Dropout::forward(const ag::Var& x) {
  return ag::dropout(x, p_, is_training(), rng_);
}

}  // namespace mp::nn
