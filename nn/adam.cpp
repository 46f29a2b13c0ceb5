#include "nn/adam.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/parallel.h"

namespace mp::nn {

Adam::Adam(NamedParams params, double lr, double beta1, double beta2, double eps,
           double weight_decay)
    : Optimizer(std::move(params)),
      beta1_(beta1),
      beta2_(beta2),
      eps_(eps),
      weight_decay_(weight_decay) {
  set_lr(lr);
  MP_CHECK(beta1 >= 0.0 && beta1 < 1.0 && beta2 >= 0.0 && beta2 < 1.0,
           "Adam: betas (" << beta1 << ", " << beta2 << ") must be in [0, 1)");
  MP_CHECK(eps >= 0.0 && weight_decay >= 0.0,
           "Adam: eps " << eps << " and weight_decay " << weight_decay << " must be >= 0");
  m_ = make_state_slab();
  v_ = make_state_slab();
}

namespace {

// One range of the update with the options as template constants, so the loop vectorises (see
// sgd.cpp; sqrt vectorises because memprobe builds with -fno-math-errno). PyTorch's formulas.
template <bool kWd, bool kLerpLow>
void adam_range(float* __restrict p, const float* __restrict g, float* __restrict m,
                float* __restrict v, int64_t lo, int64_t hi, float neg_step, float c2, float w1,
                float b2, float w2, float eps, float wd) {
  for (int64_t i = lo; i < hi; ++i) {
    float gi = g[i];
    if constexpr (kWd) gi = gi + wd * p[i];
    const float mi = kLerpLow ? m[i] + w1 * (gi - m[i]) : gi - (gi - m[i]) * (1.0f - w1);
    const float vi = v[i] * b2 + (w2 * gi) * gi;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / c2 + eps;
    p[i] = p[i] + (neg_step * mi) / denom;
  }
}

using AdamRange = void (*)(float*, const float*, float*, float*, int64_t, int64_t, float, float,
                           float, float, float, float, float);

}  // namespace

void Adam::step() {
  check_slab();
  ag::NoGradGuard no_grad;
  ++step_count_;
  const double t = static_cast<double>(step_count_);
  const double bc1 = 1.0 - std::pow(beta1_, t), bc2 = 1.0 - std::pow(beta2_, t);
  const float neg_step = static_cast<float>(-(lr_ / bc1));
  const float c2 = static_cast<float>(std::sqrt(bc2));
  const float w1 = static_cast<float>(1.0 - beta1_), b2 = static_cast<float>(beta2_);
  const float w2 = static_cast<float>(1.0 - beta2_), eps = static_cast<float>(eps_);
  const float wd = static_cast<float>(weight_decay_);
  const bool lerp_low = 1.0 - beta1_ < 0.5;  // PyTorch's lerp picks its formula by the weight
  float* p = values_.data();
  const float* g = grads_.data();
  float* m = m_.data();
  float* v = v_.data();
  const AdamRange run = wd != 0.0f
                            ? (lerp_low ? adam_range<true, true> : adam_range<true, false>)
                            : (lerp_low ? adam_range<false, true> : adam_range<false, false>);
  parallel_for_stream(
      values_.numel(), 4,
      [=](int64_t lo, int64_t hi) { run(p, g, m, v, lo, hi, neg_step, c2, w1, b2, w2, eps, wd); },
      16);
}

OptimizerState Adam::state() const {
  OptimizerState out;
  export_slab(m_, ".exp_avg", out);
  export_slab(v_, ".exp_avg_sq", out);
  return out;
}

void Adam::load_state(const OptimizerState& state, int64_t step_count) {
  MP_CHECK(step_count >= 0, "Adam.load_state: negative step count " << step_count);
  check_no_unexpected(state, {".exp_avg", ".exp_avg_sq"}, "Adam");
  std::vector<const Tensor*> m = find_state(state, ".exp_avg", "Adam");
  std::vector<const Tensor*> v = find_state(state, ".exp_avg_sq", "Adam");
  import_slab(m, m_);
  import_slab(v, v_);
  step_count_ = step_count;
}

}  // namespace mp::nn
