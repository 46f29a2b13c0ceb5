#pragma once
// The study's CNN: three blocks of two 3x3 convs (pad 1, ReLU) and a 2x2 max pool
// (16, 32, 64 channels), flatten, three Linear+ReLU of 250, output Linear without bias.
// Probed layers: input, flatten, fc1, fc2, fc3. See models.h for the PyTorch twin. With
// dropout > 0, inverted dropout after each of fc1, fc2, fc3's ReLU (training only), where the
// reference's CNN puts it (docs/method.md §4); the taps are read before it.
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/models.h"

namespace mp::nn {

class CNN : public Model {
 public:
  // dropout in [0, 1): 0 builds no dropout layer (the paper's model).
  CNN(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng, float dropout = 0.0f);
  std::vector<std::string> layer_names() const override;
  ag::Var forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                       std::map<std::string, Tensor>* taps) override;
  std::string last_hidden_layer() const override { return "fc3"; }
  Linear& output_layer() override { return *out_; }
  std::string output_layer_name() const override { return "out"; }
  std::string arch() const override { return "cnn"; }
  std::string type_name() const override { return "CNN"; }
  int64_t flat_features() const { return flat_; }  // 576 for 28x28, 1024 for 32x32

 private:
  std::shared_ptr<Conv2d> conv_[6];
  std::shared_ptr<Linear> fc1_, fc2_, fc3_, out_;
  std::shared_ptr<Dropout> drop_[3];  // after fc1, fc2, fc3; null without dropout
  int64_t flat_;
};

}  // namespace mp::nn
