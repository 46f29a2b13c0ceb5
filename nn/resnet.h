#pragma once
// ResNet-18, CIFAR variant (docs/method.md §4): 3x3 stride-1 stem conv (no bias) + BatchNorm +
// ReLU + max pool 3/2/1, four stages of two BasicBlocks (64, 128, 256, 512 channels; stride 2 from
// stage 2 on, with a 1x1 conv + BatchNorm "downsample" shortcut), global average pool, fc.
// torchvision parameter names. Probed layers in forward order: input, stem (after the max pool),
// the reference's three taps inside the first stage - l0_1 (the ReLU inside block layer1.0),
// l0_2 (block layer1.0's output), l0_3 (the ReLU inside block layer1.1) -, layer1..layer4, pool
// (the 512-d pooled vector). With dropout > 0, inverted dropout on the pooled vector before fc
// (training only; docs/method.md §4).
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/models.h"
#include "nn/sequential.h"

namespace mp::nn {

class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in_planes, int64_t planes, int64_t stride, Rng& rng);
  // relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
  ag::Var forward(const ag::Var& x) override { return forward_inner(x, nullptr); }
  // The same, also handing out the block's inner activation relu(bn1(conv1(x))) in *inner.
  ag::Var forward_inner(const ag::Var& x, ag::Var* inner);
  std::string type_name() const override { return "BasicBlock"; }

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<Sequential> downsample_;  // null when the shapes already match
};

class ResNet18 : public Model {
 public:
  // dropout in [0, 1): 0 builds no dropout layer (the paper's model).
  ResNet18(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng, float dropout = 0.0f);
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
  std::shared_ptr<BasicBlock> blocks_[4][2];  // layers_[s] holds blocks_[s][0], blocks_[s][1]
  std::shared_ptr<Dropout> drop_;             // null without dropout
  std::shared_ptr<Linear> fc_;
};

}  // namespace mp::nn
