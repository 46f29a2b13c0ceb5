#include "nn/alexnet.h"

#include "autograd/ops.h"
#include "nn/activation.h"
#include "nn/pooling.h"

namespace mp::nn {

namespace {

// PyTorch's output size of a convolution or pool (floor mode).
int64_t out_size(int64_t in, int64_t k, int64_t stride, int64_t pad) {
  const int64_t span = in + 2 * pad - k;
  return span < 0 ? 0 : span / stride + 1;
}

struct ConvSpec {
  int64_t out, k, stride, pad;
};

// Both variants pool (3/2) after conv1, conv2 and conv5.
constexpr bool kPoolAfter[5] = {true, true, false, false, true};

}  // namespace

AlexNet::AlexNet(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng)
    : Model(C, H, W, num_classes), tiny_(imagenet_stem(H, W)) {
  const ConvSpec cifar[5] = {
      {64, 3, 2, 1}, {192, 3, 1, 1}, {384, 3, 1, 1}, {256, 3, 1, 1}, {256, 3, 1, 1}};
  const ConvSpec tiny[5] = {
      {64, 11, 4, 2}, {192, 5, 1, 2}, {384, 3, 1, 1}, {256, 3, 1, 1}, {256, 3, 1, 1}};
  const ConvSpec* spec = tiny_ ? tiny : cifar;
  // nn.Sequential indices as in torchvision's AlexNet.features: conv, ReLU, [MaxPool], ...; the
  // ReLU and pool entries hold no parameters but keep the convs at 0, 3, 6, 8, 10.
  features_ = register_module("features", std::make_shared<Sequential>());
  int64_t in = C, h = H, w = W;
  for (int i = 0; i < 5; ++i) {
    const ConvSpec& s = spec[i];
    conv_[i] = features_->add(std::make_shared<Conv2d>(in, s.out, s.k, rng, s.stride, s.pad));
    features_->add(std::make_shared<ReLU>());
    h = out_size(h, s.k, s.stride, s.pad);
    w = out_size(w, s.k, s.stride, s.pad);
    if (kPoolAfter[i]) {
      features_->add(std::make_shared<MaxPool2d>(3, 2));
      h = out_size(h, 3, 2, 0);
      w = out_size(w, 3, 2, 0);
    }
    MP_CHECK(h >= 1 && w >= 1, "alexnet: input " << H << "x" << W << " is too small for the "
                                                 << (tiny_ ? "Tiny ImageNet" : "CIFAR")
                                                 << " variant (nothing is left after conv" << i + 1
                                                 << ")");
    in = s.out;
  }
  flat_ = 256 * h * w;
  fc1_ = register_module("fc1", std::make_shared<Linear>(flat_, 4096, rng));
  fc2_ = register_module("fc2", std::make_shared<Linear>(4096, 4096, rng));
  fc3_ = register_module("fc3", std::make_shared<Linear>(4096, num_classes, rng));
}

std::vector<std::string> AlexNet::layer_names() const {
  return {"input", "flatten", "fc1", "fc2"};
}

ag::Var AlexNet::forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                              std::map<std::string, Tensor>* taps) {
  check_input(x, false);
  TapRecorder tap(want, taps, layer_names(), arch());
  tap("input", x);
  ag::Var h = x;
  for (int i = 0; i < 5; ++i) {
    h = conv_[i]->forward_relu(h);  // fused conv + ReLU, the same values as features[i], [i+1]
    if (kPoolAfter[i]) h = ag::max_pool2d(h, 3, 2);
  }
  h = ag::flatten(h);
  tap("flatten", h);
  h = fc1_->forward_relu(h);
  tap("fc1", h);
  h = fc2_->forward_relu(h);
  tap("fc2", h);
  return fc3_->forward(h);
}

}  // namespace mp::nn
