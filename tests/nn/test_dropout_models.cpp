// The dropout variants of the CNN and ResNet-18 (docs/method.md §4): off in evaluation, the
// weights of the dropout-free model, training-mode masks at the rate asked for, gradients
// through the mask, reseeding as the trainer does it, and the factory's errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/dropout.h"
#include "nn/models.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

namespace {

Tensor batch(int64_t B, int64_t C, int64_t H, uint32_t seed) {
  return mp::testing::uniform_tensor({B, C, H, H}, seed);
}

void require_same_state(const Module& a, const Module& b) {
  const NamedTensors sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    REQUIRE(sa[i].first == sb[i].first);
    REQUIRE(sa[i].second.to_vector() == sb[i].second.to_vector());
  }
}

}  // namespace

TEST_CASE("dropout models: same weights as without dropout, identical in evaluation", "[nn]") {
  ag::NoGradGuard ng;
  struct Case {
    const char* arch;
    int64_t C, H;
    int layers;
  };
  for (const Case& c : {Case{"cnn", 3, 32, 3}, Case{"resnet18", 3, 32, 1}}) {
    INFO(c.arch);
    auto plain = make_model(c.arch, c.C, c.H, c.H, 10, 11);
    auto drop = make_model(c.arch, c.C, c.H, c.H, 10, 11, 0.5f);
    // Dropout holds no tensors and draws nothing from the initialisation's generator.
    require_same_state(*plain, *drop);
    REQUIRE(reseed_dropout(*plain, 1) == 0);
    REQUIRE(reseed_dropout(*drop, 1) == c.layers);
    plain->eval();
    drop->eval();
    const ag::Var x(batch(4, c.C, c.H, 2));
    std::map<std::string, Tensor> tp, td;
    const std::vector<float> y1 =
        drop->forward_taps(x, drop->layer_names(), &td).data().to_vector();
    const std::vector<float> y2 = drop->forward(x).data().to_vector();
    REQUIRE(y1 == y2);  // no randomness in evaluation
    REQUIRE(y1 == plain->forward_taps(x, plain->layer_names(), &tp).data().to_vector());
    for (const std::string& n : plain->layer_names())
      REQUIRE(td.at(n).to_vector() == tp.at(n).to_vector());
  }
}

TEST_CASE("dropout models: training mode drops at the rate, scales the rest, reseeds", "[nn]") {
  ag::NoGradGuard ng;
  // The CNN's dense head: compare the logits path by hand - with the mask known through a
  // direct Dropout module, the statistics are those of the mask.
  const float p = 0.3f;
  Dropout d(p, 77u);
  const int64_t n = 200000;
  Tensor ones = Tensor::full({n}, 1.0f);
  const std::vector<float> y = d.forward(ag::Var(ones)).data().to_vector();
  int64_t zeros = 0;
  double sum = 0;
  for (float v : y) {
    if (v == 0.0f)
      ++zeros;
    else
      REQUIRE(v == Approx(1.0f / (1.0f - p)));
    sum += v;
  }
  const double rate = static_cast<double>(zeros) / n;
  // Binomial(n, 0.3): sd = sqrt(0.21 / n) ~ 0.001; 5 sd.
  REQUIRE(std::fabs(rate - p) < 5 * std::sqrt(p * (1 - p) / n));
  REQUIRE(std::fabs(sum / n - 1.0) < 0.01);  // inverted dropout keeps the mean
  d.eval();
  REQUIRE(d.forward(ag::Var(ones)).data().to_vector() == ones.to_vector());

  // A model in training mode: two forwards differ (fresh masks), and a reseed repeats them.
  auto m = make_model("cnn", 1, 28, 28, 10, 3, 0.5f);
  m->train(true);
  const ag::Var x(batch(8, 1, 28, 4));
  reseed_dropout(*m, 123);
  const std::vector<float> a = m->forward(x).data().to_vector();
  const std::vector<float> b = m->forward(x).data().to_vector();
  REQUIRE(a != b);
  reseed_dropout(*m, 123);
  REQUIRE(m->forward(x).data().to_vector() == a);
  // The taps are read before the dropout: in training they equal the deterministic fc1 of the
  // (undropped) flatten; fc2's differs because fc1's output was dropped.
  auto plain = make_model("cnn", 1, 28, 28, 10, 3);
  plain->train(true);
  std::map<std::string, Tensor> tm, tp;
  m->forward_taps(x, {"fc1", "fc2"}, &tm);
  plain->forward_taps(x, {"fc1", "fc2"}, &tp);
  REQUIRE(tm.at("fc1").to_vector() == tp.at("fc1").to_vector());
  REQUIRE(tm.at("fc2").to_vector() != tp.at("fc2").to_vector());
}

TEST_CASE("dropout models: the gradient flows through the kept units only", "[nn]") {
  // d/dx sum(dropout(x)) = mask: 0 where dropped, 1/(1-p) where kept.
  const float p = 0.25f;
  Dropout d(p, 5u);
  ag::Var x(mp::testing::uniform_tensor({4, 64}, 8), true);
  ag::Var y = d.forward(x);
  ag::sum(y).backward();
  const std::vector<float> yv = y.data().to_vector(), xv = x.data().to_vector();
  const std::vector<float> g = x.grad().to_vector();
  int kept = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (yv[i] == 0.0f && xv[i] != 0.0f) {
      REQUIRE(g[i] == 0.0f);
    } else {
      REQUIRE(g[i] == Approx(1.0f / (1.0f - p)));
      ++kept;
    }
  }
  REQUIRE(kept > 0);
  REQUIRE(kept < static_cast<int>(g.size()));
  // Through a whole model: every parameter receives a finite gradient in training mode.
  auto m = make_model("resnet18", 3, 16, 16, 10, 2, 0.5f);
  m->train(true);
  ag::Var loss = ag::cross_entropy(m->forward(ag::Var(batch(2, 3, 16, 1))), {1, 7});
  loss.backward();
  for (const auto& [name, v] : m->named_parameters()) {
    INFO(name);
    REQUIRE(v.grad().defined());
  }
}

TEST_CASE("dropout models: bad rates, the mlp and alexnet are one clear error", "[nn]") {
  for (float bad : {-0.1f, 1.0f, 1.5f}) {
    try {
      make_model("cnn", 1, 28, 28, 10, 1, bad);
      FAIL("no error");
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).find("dropout must be in [0, 1)") != std::string::npos);
    }
  }
  try {
    make_model("mlp", 1, 28, 28, 10, 1, 0.5f);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("mlp has no dropout variant") != std::string::npos);
  }
  REQUIRE(make_model("mlp", 1, 28, 28, 10, 1, 0.0f) != nullptr);
  // AlexNet: the reference's forward never runs its dropout classifier (docs/method.md §4).
  try {
    make_model("alexnet", 3, 32, 32, 100, 1, 0.5f);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("alexnet has no dropout variant") != std::string::npos);
  }
}
