#pragma once
// The small AlexNet of the first paper (docs/method.md §4): five convolutions with ReLU and three
// 3/2 max pools that shrink the image to 256 x 1 x 1, then fc1 (4096), fc2 (4096) with ReLU and
// the output fc3, no dropout (the reference's forward never runs its dropout classifier).
// Two stems, chosen by the input size (rule below): the CIFAR-100 one (conv1 3x3 stride 2
// pad 1, conv2 3x3 pad 1) and the Tiny ImageNet one (conv1 11x11 stride 4 pad 2, conv2 5x5
// pad 2). Probed layers: input, flatten, fc1, fc2. See models.h for the PyTorch twin.
#include <cstdint>

#include "nn/conv2d.h"
#include "nn/models.h"
#include "nn/sequential.h"

namespace mp::nn {

class AlexNet : public Model {
 public:
  // Inputs of at least 64x64 get the Tiny ImageNet stem, smaller ones the CIFAR stem. Throws
  // when the convolutions and pools would shrink the image to nothing.
  AlexNet(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng);
  std::vector<std::string> layer_names() const override;
  ag::Var forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                       std::map<std::string, Tensor>* taps) override;
  std::string last_hidden_layer() const override { return "fc2"; }
  Linear& output_layer() override { return *fc3_; }
  std::string output_layer_name() const override { return "fc3"; }
  std::string arch() const override { return "alexnet"; }
  std::string type_name() const override { return "AlexNet"; }

  // True for the Tiny ImageNet stem (input at least 64x64).
  static bool imagenet_stem(int64_t H, int64_t W) { return H >= 64 && W >= 64; }
  bool tiny_imagenet() const { return tiny_; }
  int64_t flat_features() const { return flat_; }  // 256 for 32x32 and for 64x64

 private:
  std::shared_ptr<Sequential> features_;  // holds the convs under PyTorch's indices
  std::shared_ptr<Conv2d> conv_[5];
  std::shared_ptr<Linear> fc1_, fc2_, fc3_;
  bool tiny_;
  int64_t flat_;
};

}  // namespace mp::nn
