#include "nn/models.h"

#include <algorithm>
#include <sstream>

#include "nn/alexnet.h"
#include "nn/cnn.h"
#include "nn/dropout.h"
#include "nn/mlp.h"
#include "nn/resnet.h"

namespace mp::nn {

Model::Model(int64_t C, int64_t H, int64_t W, int num_classes)
    : c_(C), h_(H), w_(W), k_(num_classes) {
  MP_CHECK(C >= 1 && H >= 1 && W >= 1 && num_classes >= 2,
           "model: invalid input [" << C << ", " << H << ", " << W << "] or " << num_classes
                                    << " classes");
}

void Model::check_input(const ag::Var& x, bool allow_flat) const {
  MP_CHECK(x.defined(), arch() << ": undefined input");
  const bool image = x.ndim() == 4 && x.size(1) == c_ && x.size(2) == h_ && x.size(3) == w_;
  const bool flat = allow_flat && x.ndim() == 2 && x.size(1) == c_ * h_ * w_;
  MP_CHECK(image || flat, arch() << ": input " << x.shape().str() << " does not match the model's ["
                                 << "B, " << c_ << ", " << h_ << ", " << w_ << "]");
}

TapRecorder::TapRecorder(const std::vector<std::string>& want, std::map<std::string, Tensor>* taps,
                         const std::vector<std::string>& valid, const std::string& arch)
    : want_(want), taps_(taps) {
  MP_CHECK(want.empty() || taps != nullptr, arch << ": forward_taps without a taps map");
  for (const std::string& n : want) {
    if (std::find(valid.begin(), valid.end(), n) != valid.end()) continue;
    std::ostringstream os;
    for (size_t i = 0; i < valid.size(); ++i) os << (i ? ", " : "") << valid[i];
    MP_FAIL(arch << ": unknown layer '" << n << "' (layers: " << os.str() << ")");
  }
}

void TapRecorder::operator()(const std::string& name, const ag::Var& v) {
  if (std::find(want_.begin(), want_.end(), name) == want_.end()) return;
  const Tensor& t = v.data();
  (*taps_)[name] = t.reshape({t.size(0), t.numel() / t.size(0)});
}

std::unique_ptr<Model> make_model(const std::string& arch, int64_t C, int64_t H, int64_t W,
                                  int num_classes, uint32_t seed, float dropout) {
  MP_CHECK(dropout >= 0.0f && dropout < 1.0f,
           "make_model: dropout must be in [0, 1), got " << dropout);
  MP_CHECK(dropout == 0.0f || (arch != "mlp" && arch != "alexnet"),
           "make_model: the " << arch
                              << " has no dropout variant (the reference's has none); use cnn or "
                                 "resnet18");
  Rng rng(seed);
  std::unique_ptr<Model> m;
  if (arch == "mlp")
    m = std::make_unique<MLP>(C, H, W, num_classes, rng);
  else if (arch == "cnn")
    m = std::make_unique<CNN>(C, H, W, num_classes, rng, dropout);
  else if (arch == "resnet18")
    m = std::make_unique<ResNet18>(C, H, W, num_classes, rng, dropout);
  else if (arch == "alexnet")
    m = std::make_unique<AlexNet>(C, H, W, num_classes, rng);
  else
    MP_FAIL("make_model: unknown architecture '" << arch
                                                 << "' (expected mlp, cnn, resnet18 or alexnet)");
  // A stream of its own (not the initialisation's), so the weights do not depend on dropout.
  reseed_dropout(*m, seed ^ 0x2545F491u);
  return m;
}

}  // namespace mp::nn
