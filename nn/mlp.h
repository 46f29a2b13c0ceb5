#pragma once
// The study's MLP: flatten -> C*H*W -> 128 -> 512 -> 2048 -> 2048 -> K, ReLU after every
// hidden layer. Probed layers: input, fc1..fc4 (post-ReLU). See models.h for the PyTorch twin.
#include "nn/models.h"

namespace mp::nn {

class MLP : public Model {
 public:
  MLP(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng);
  std::vector<std::string> layer_names() const override;
  ag::Var forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                       std::map<std::string, Tensor>* taps) override;
  std::string last_hidden_layer() const override { return "fc4"; }
  Linear& output_layer() override { return *out_; }
  std::string output_layer_name() const override { return "out"; }
  std::string arch() const override { return "mlp"; }
  std::string type_name() const override { return "MLP"; }

 private:
  std::shared_ptr<Linear> fc1_, fc2_, fc3_, fc4_, out_;
};

}  // namespace mp::nn
