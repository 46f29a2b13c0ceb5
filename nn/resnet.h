#pragma once
// ResNet-18, CIFAR variant (docs/method.md §4): 3x3 stride-1 stem conv (no bias) + BatchNorm +
// ReLU + max pool 3/2/1, four stages of two BasicBlocks (64, 128, 256, 512 channels; stride 2 from
// stage 2 on, with a 1x1 conv + BatchNorm "downsample" shortcut), global average pool, fc.
// torchvision parameter names. Probed layers: input, stem (after the max pool), layer1..layer4,
// pool (the 512-d pooled vector).
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/models.h"
#include "nn/sequential.h"

namespace mp::nn {

class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in_planes, int64_t planes, int64_t stride, Rng& rng);
  // relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "BasicBlock"; }

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<Sequential> downsample_;  // null when the shapes already match
};

class ResNet18 : public Model {
 public:
  ResNet18(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng);
  std::vector<std::string> layer_names() const override;
  ag::Var forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                       std::map<std::string, Tensor>* taps) override;
  std::string last_hidden_layer() const override { return "pool"; }
  Linear& output_layer() override { return *fc_; }
  std::string output_layer_name() const override { return "fc"; }
  std::string arch() const override { return "resnet18"; }
  std::string type_name() const override { return "ResNet18"; }

 private:
  std::shared_ptr<Conv2d> conv1_;
  std::shared_ptr<BatchNorm2d> bn1_;
  std::shared_ptr<Sequential> layers_[4];
  std::shared_ptr<Linear> fc_;
};

}  // namespace mp::nn
