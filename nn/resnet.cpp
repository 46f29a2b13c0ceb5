#include "nn/resnet.h"

#include "autograd/ops.h"

namespace mp::nn {

BasicBlock::BasicBlock(int64_t in_planes, int64_t planes, int64_t stride, Rng& rng) {
  conv1_ = register_module("conv1",
                           std::make_shared<Conv2d>(in_planes, planes, 3, rng, stride, 1, false));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, rng, 1, 1, false));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  if (stride != 1 || in_planes != planes) {
    downsample_ = register_module("downsample", std::make_shared<Sequential>());
    downsample_->add(std::make_shared<Conv2d>(in_planes, planes, 1, rng, stride, 0, false));
    downsample_->add(std::make_shared<BatchNorm2d>(planes));
  }
}

ag::Var BasicBlock::forward_inner(const ag::Var& x, ag::Var* inner) {
  ag::Var out = ag::relu(bn1_->forward(conv1_->forward(x)));
  if (inner) *inner = out;
  out = bn2_->forward(conv2_->forward(out));
  ag::Var shortcut = downsample_ ? downsample_->forward(x) : x;
  return ag::relu(ag::add(out, shortcut));
}

ResNet18::ResNet18(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng, float dropout)
    : Model(C, H, W, num_classes) {
  MP_CHECK(H >= 16 && W >= 16, "resnet18: input " << H << "x" << W << " is smaller than 16x16");
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(C, 64, 3, rng, 1, 1, false));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(64));
  const int64_t planes[4] = {64, 128, 256, 512};
  int64_t in = 64;
  for (int s = 0; s < 4; ++s) {
    layers_[s] = register_module("layer" + std::to_string(s + 1), std::make_shared<Sequential>());
    blocks_[s][0] =
        layers_[s]->add(std::make_shared<BasicBlock>(in, planes[s], s == 0 ? 1 : 2, rng));
    blocks_[s][1] = layers_[s]->add(std::make_shared<BasicBlock>(planes[s], planes[s], 1, rng));
    in = planes[s];
  }
  // Seeded by make_model (reseed_dropout), not from `rng`: the weights stay those of the
  // dropout-free model of the same seed. It holds no tensors, so checkpoints are unchanged.
  if (dropout > 0.0f) drop_ = register_module("dropout", std::make_shared<Dropout>(dropout, 0u));
  fc_ = register_module("fc", std::make_shared<Linear>(512, num_classes, rng));
}

std::vector<std::string> ResNet18::layer_names() const {
  return {"input", "stem", "l0_1", "l0_2", "l0_3", "layer1", "layer2", "layer3", "layer4", "pool"};
}

ag::Var ResNet18::forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                               std::map<std::string, Tensor>* taps) {
  check_input(x, false);
  TapRecorder tap(want, taps, layer_names(), arch());
  tap("input", x);
  ag::Var h = ag::max_pool2d(ag::relu(bn1_->forward(conv1_->forward(x))), 3, 2, 1);
  tap("stem", h);
  // The blocks one by one (what layers_[s]->forward does) so that the first stage's inner
  // activations can be tapped.
  ag::Var inner;
  h = blocks_[0][0]->forward_inner(h, &inner);
  tap("l0_1", inner);
  tap("l0_2", h);
  h = blocks_[0][1]->forward_inner(h, &inner);
  tap("l0_3", inner);
  tap("layer1", h);
  for (int s = 1; s < 4; ++s) {
    h = blocks_[s][1]->forward(blocks_[s][0]->forward(h));
    tap("layer" + std::to_string(s + 1), h);
  }
  h = ag::global_avg_pool(h);
  tap("pool", h);
  if (drop_) h = drop_->forward(h);
  return fc_->forward(h);
}

}  // namespace mp::nn
