#pragma once
// The study's models (docs/method.md §4) and the factory that builds them from a seed.
//
// Every layer a probe may read is named (layer_names()); forward_taps() hands out the
// post-ReLU activation of each requested layer flattened to [B, d] (conv maps as C*H*W).
// Parameter names are those of the plain PyTorch modules below, so a PyTorch model loads
// memprobe's safetensors checkpoints directly (load_state_dict(strict=True); BatchNorm's
// num_batches_tracked is absent and PyTorch fills it in). The naming contract:
//
//   class MLP(nn.Module):            # in_dim = C*H*W (784 MNIST, 3072 CIFAR-10)
//       def __init__(self, in_dim, num_classes=10):
//           super().__init__()
//           self.fc1 = nn.Linear(in_dim, 128); self.fc2 = nn.Linear(128, 512)
//           self.fc3 = nn.Linear(512, 2048);   self.fc4 = nn.Linear(2048, 2048)
//           self.out = nn.Linear(2048, num_classes)
//       def forward(self, x):
//           x = x.flatten(1)
//           for fc in (self.fc1, self.fc2, self.fc3, self.fc4): x = F.relu(fc(x))
//           return self.out(x)
//
//   class CNN(nn.Module):            # flat = 64 * (H//8) * (W//8): 576 for 28x28, 1024 for 32x32
//       def __init__(self, C, flat, num_classes=10):
//           super().__init__()
//           self.conv1 = nn.Conv2d(C, 16, 3, padding=1);  self.conv2 = nn.Conv2d(16, 16, 3,
//           padding=1) self.conv3 = nn.Conv2d(16, 32, 3, padding=1); self.conv4 = nn.Conv2d(32, 32,
//           3, padding=1) self.conv5 = nn.Conv2d(32, 64, 3, padding=1); self.conv6 = nn.Conv2d(64,
//           64, 3, padding=1) self.fc1 = nn.Linear(flat, 250); self.fc2 = nn.Linear(250, 250)
//           self.fc3 = nn.Linear(250, 250)
//           self.out = nn.Linear(250, num_classes, bias=False)
//       def forward(self, x):
//           x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
//           x = F.max_pool2d(F.relu(self.conv4(F.relu(self.conv3(x)))), 2)
//           x = F.max_pool2d(F.relu(self.conv6(F.relu(self.conv5(x)))), 2)
//           x = x.flatten(1)
//           for fc in (self.fc1, self.fc2, self.fc3): x = F.relu(fc(x))
//           return self.out(x)
//
//   # ResNet-18, CIFAR variant, torchvision names (BasicBlock as in torchvision.models.resnet):
//   m = torchvision.models.resnet18(num_classes=10)
//   m.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)   # bn1, relu, maxpool(3,2,1)
//   kept # -> conv1, bn1, layer1.{0,1}.{conv1,bn1,conv2,bn2}, layer2.0.downsample.{0,1}, ..., fc
//
//   # AlexNet (small), arch "alexnet"; tiny = input at least 64x64 (Tiny ImageNet stem):
//   class AlexNet(nn.Module):
//       def __init__(self, C=3, num_classes=100, tiny=False):
//           super().__init__()
//           k1, s1, p1, k2 = (11, 4, 2, 5) if tiny else (3, 2, 1, 3)
//           self.features = nn.Sequential(
//               nn.Conv2d(C, 64, k1, stride=s1, padding=p1), nn.ReLU(), nn.MaxPool2d(3, 2),
//               nn.Conv2d(64, 192, k2, padding=k2 // 2), nn.ReLU(), nn.MaxPool2d(3, 2),
//               nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
//               nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
//               nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
//           self.fc1 = nn.Linear(256, 4096); self.fc2 = nn.Linear(4096, 4096)  # 256 = 256*1*1
//           self.fc3 = nn.Linear(4096, num_classes)
//       def forward(self, x):
//           x = self.features(x).flatten(1)
//           return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
//   # The reference's class also builds an unused `classifier` (with dropout); its checkpoints
//   # load into this twin with strict=False, and memprobe's into it the same way.
//
// Initialisation is PyTorch's default layer init (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
// weights and biases, BatchNorm 1/0) for every model, drawn in construction order. Note that
// torchvision's ResNet constructor re-initialises its convolutions with kaiming_normal
// (fan_out); memprobe does not (the same distribution family as the MLP and CNN).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/linear.h"
#include "nn/module.h"

namespace mp::nn {

class Model : public Module {
 public:
  // Probe-able layers in forward order; the first is always "input".
  virtual std::vector<std::string> layer_names() const = 0;
  // Runs the model; for each name in `want` stores that layer's activation, flattened to
  // [B, d], in (*taps)[name] (a tensor sharing the forward's storage, not a copy). An unknown
  // name throws, listing the valid ones. forward(x) = forward_taps(x, {}, nullptr).
  virtual ag::Var forward_taps(const ag::Var& x, const std::vector<std::string>& want,
                               std::map<std::string, Tensor>* taps) = 0;
  ag::Var forward(const ag::Var& x) override { return forward_taps(x, {}, nullptr); }
  // The layer the weight-editing transfer reads (MLP fc4, CNN fc3, ResNet pool, AlexNet fc2).
  virtual std::string last_hidden_layer() const = 0;
  virtual Linear& output_layer() = 0;
  virtual std::string output_layer_name() const = 0;  // "out", "fc" or "fc3"
  virtual std::string arch() const = 0;               // "mlp", "cnn", "resnet18", "alexnet"

  int64_t in_channels() const { return c_; }
  int64_t in_height() const { return h_; }
  int64_t in_width() const { return w_; }
  int num_classes() const { return k_; }

 protected:
  Model(int64_t C, int64_t H, int64_t W, int num_classes);
  // Checks x is [B, C, H, W] (or, if allow_flat, [B, C*H*W]) for this model.
  void check_input(const ag::Var& x, bool allow_flat) const;

 private:
  int64_t c_, h_, w_;
  int k_;
};

// Collects requested activations during forward_taps.
class TapRecorder {
 public:
  // Validates `want` against `valid` (throws naming the model and the valid names).
  TapRecorder(const std::vector<std::string>& want, std::map<std::string, Tensor>* taps,
              const std::vector<std::string>& valid, const std::string& arch);
  // Stores v's data as [B, d] under `name` if it was requested.
  void operator()(const std::string& name, const ag::Var& v);

 private:
  std::vector<std::string> want_;
  std::map<std::string, Tensor>* taps_;
};

// Builds "mlp", "cnn", "resnet18" or "alexnet" for inputs [C, H, W] and num_classes outputs,
// initialised from Rng(seed). dropout in [0, 1) adds the dropout variant's layers (cnn, resnet18
// only; see docs/method.md §4); its weights equal those of the model without dropout, and the
// dropout generators are seeded from `seed` (the trainer reseeds them every epoch). Throws
// mp::Error for an unknown architecture, an unsupported input size or a bad dropout rate.
std::unique_ptr<Model> make_model(const std::string& arch, int64_t C, int64_t H, int64_t W,
                                  int num_classes, uint32_t seed, float dropout = 0.0f);

}  // namespace mp::nn
