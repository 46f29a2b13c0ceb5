#include "nn/mlp.h"

#include "autograd/ops.h"

namespace mp::nn {

MLP::MLP(int64_t C, int64_t H, int64_t W, int num_classes, Rng& rng) : Model(C, H, W, num_classes) {
  fc1_ = register_module("fc1", std::make_shared<Linear>(C * H * W, 128, rng));
  fc2_ = register_module("fc2", std::make_shared<Linear>(128, 512, rng));
  fc3_ = register_module("fc3", std::make_shared<Linear>(512, 2048, rng));
  fc4_ = register_module("fc4", std::make_shared<Linear>(2048, 2048, rng));
  out_ = register_module("out", std::make_shared<Linear>(2048, num_classes, rng));
}

std::vector<std::string> MLP::layer_names() const {
  return {"input", "fc1", "fc2", "fc3", "fc4"};
}

ag::Var MLP::forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                          std::map<std::string, Tensor>* taps) {
  check_input(x, true);
  TapRecorder tap(want, taps, layer_names(), arch());
  ag::Var h = x.ndim() == 2 ? x : ag::flatten(x);
  tap("input", h);
  h = fc1_->forward_relu(h);
  tap("fc1", h);
  h = fc2_->forward_relu(h);
  tap("fc2", h);
  h = fc3_->forward_relu(h);
  tap("fc3", h);
  h = fc4_->forward_relu(h);
  tap("fc4", h);
  return out_->forward(h);
}

}  // namespace mp::nn
