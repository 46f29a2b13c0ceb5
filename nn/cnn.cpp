#include "nn/cnn.h"

#include "autograd/ops.h"

namespace mp::nn {

CNN::CNN(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng, float dropout)
    : Model(C, H, W, num_classes) {
  MP_CHECK(H >= 8 && W >= 8, "cnn: input " << H << "x" << W << " is smaller than 8x8");
  const int64_t chans[7] = {C, 16, 16, 32, 32, 64, 64};
  for (int i = 0; i < 6; ++i)
    conv_[i] = register_module("conv" + std::to_string(i + 1),
                               std::make_shared<Conv2d>(chans[i], chans[i + 1], 3, rng, 1, 1));
  flat_ = 64 * (H / 8) * (W / 8);  // three floor-halvings
  fc1_ = register_module("fc1", std::make_shared<Linear>(flat_, 250, rng));
  fc2_ = register_module("fc2", std::make_shared<Linear>(250, 250, rng));
  fc3_ = register_module("fc3", std::make_shared<Linear>(250, 250, rng));
  out_ = register_module("out", std::make_shared<Linear>(250, num_classes, rng, false));
  // Seeded by make_model (reseed_dropout), not from `rng`: the weights stay those of the
  // dropout-free model of the same seed. They hold no tensors, so checkpoints are unchanged.
  if (dropout > 0.0f)
    for (int i = 0; i < 3; ++i)
      drop_[i] = register_module("dropout" + std::to_string(i + 1),
                                 std::make_shared<Dropout>(dropout, 0u));
}

std::vector<std::string> CNN::layer_names() const {
  return {"input", "flatten", "fc1", "fc2", "fc3"};
}

ag::Var CNN::forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                          std::map<std::string, Tensor>* taps) {
  check_input(x, false);
  TapRecorder tap(want, taps, layer_names(), arch());
  tap("input", x);
  ag::Var h = x;
  for (int b = 0; b < 3; ++b) {
    h = conv_[2 * b]->forward_relu(h);
    h = conv_[2 * b + 1]->forward_relu(h);
    h = ag::max_pool2d(h, 2, 2);
  }
  h = ag::flatten(h);
  tap("flatten", h);
  Linear* fcs[3] = {fc1_.get(), fc2_.get(), fc3_.get()};
  for (int i = 0; i < 3; ++i) {
    h = fcs[i]->forward_relu(h);
    tap("fc" + std::to_string(i + 1), h);
    if (drop_[i]) h = drop_[i]->forward(h);
  }
  return out_->forward(h);
}

}  // namespace mp::nn
