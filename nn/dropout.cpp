#include "nn/dropout.h"

#include "autograd/ops.h"

namespace mp::nn {

namespace {

void check_rate(float p) {
  MP_CHECK(p >= 0.0f && p < 1.0f, "Dropout: p must be in [0, 1), got " << p);
}

void reseed_children(Module& m, Rng& seeds, int& count) {
  for (const auto& [name, child] : m.named_children()) {
    if (auto* d = dynamic_cast<Dropout*>(child.get())) {
      d->reseed(seeds.next_u32());
      ++count;
    }
    reseed_children(*child, seeds, count);
  }
}

}  // namespace

Dropout::Dropout(float p, Rng& rng) : p_(p), rng_(rng.next_u32()) {
  check_rate(p_);
}

Dropout::Dropout(float p, uint32_t seed) : p_(p), rng_(seed) {
  check_rate(p_);
}

ag::Var Dropout::forward(const ag::Var& x) {
  return ag::dropout(x, p_, is_training(), rng_);
}

int reseed_dropout(Module& m, uint32_t seed) {
  Rng seeds(seed);
  int count = 0;
  reseed_children(m, seeds, count);
  return count;
}

}  // namespace mp::nn
