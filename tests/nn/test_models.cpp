// The study's models: PyTorch parameter names, shapes and counts, taps, factory errors,
// seeded initialisation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/cnn.h"
#include "nn/models.h"
#include "nn_test_util.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

using mp::testing::shapes_of;

namespace {

Tensor input_batch(int64_t B, int64_t C, int64_t H, int64_t W, uint32_t seed) {
  return mp::testing::uniform_tensor({B, C, H, W}, seed);
}

}  // namespace

TEST_CASE("MLP: PyTorch names, shapes and parameter counts (MNIST and CIFAR-10)", "[nn]") {
  auto m = make_model("mlp", 1, 28, 28, 10, 42);
  const NamedVars p = m->named_parameters();
  std::vector<std::string> names;
  for (const auto& kv : p) names.push_back(kv.first);
  REQUIRE(names == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
                                            "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias",
                                            "out.weight", "out.bias"});
  auto s = shapes_of(*m);
  REQUIRE(s.at("fc1.weight") == Shape({128, 784}));
  REQUIRE(s.at("fc4.weight") == Shape({2048, 2048}));
  REQUIRE(s.at("out.weight") == Shape({10, 2048}));
  REQUIRE(m->num_parameters() == 784 * 128 + 128 + 128 * 512 + 512 + 512 * 2048 + 2048 +
                                     2048 * 2048 + 2048 + 2048 * 10 + 10);
  REQUIRE(m->num_parameters() == 5433994);
  auto c = make_model("mlp", 3, 32, 32, 10, 42);
  REQUIRE(shapes_of(*c).at("fc1.weight") == Shape({128, 3072}));
  REQUIRE(c->num_parameters() == 5433994 + (3072 - 784) * 128);
  REQUIRE(m->named_buffers().empty());
  REQUIRE(m->layer_names() == std::vector<std::string>{"input", "fc1", "fc2", "fc3", "fc4"});
  REQUIRE(m->last_hidden_layer() == "fc4");
  REQUIRE(m->output_layer_name() == "out");
  REQUIRE(m->output_layer().weight.same(p[8].second));
}

TEST_CASE("CNN: PyTorch names, bias-free output, flatten 576 / 1024, counts", "[nn]") {
  auto m = make_model("cnn", 1, 28, 28, 10, 42);
  auto s = shapes_of(*m);
  REQUIRE(s.size() == 6 * 2 + 3 * 2 + 1);
  REQUIRE(s.at("conv1.weight") == Shape({16, 1, 3, 3}));
  REQUIRE(s.at("conv6.weight") == Shape({64, 64, 3, 3}));
  REQUIRE(s.at("conv6.bias") == Shape({64}));
  REQUIRE(s.at("fc1.weight") == Shape({250, 576}));
  REQUIRE(s.at("out.weight") == Shape({10, 250}));
  REQUIRE(s.count("out.bias") == 0);
  REQUIRE_FALSE(m->output_layer().has_bias());
  const int64_t convs = (1 * 16 * 9 + 16) + (16 * 16 * 9 + 16) + (16 * 32 * 9 + 32) +
                        (32 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + (64 * 64 * 9 + 64);
  const int64_t fcs = (576 * 250 + 250) + 2 * (250 * 250 + 250) + 250 * 10;
  REQUIRE(m->num_parameters() == convs + fcs);
  REQUIRE(m->num_parameters() == 344042);
  auto c = make_model("cnn", 3, 32, 32, 10, 42);
  REQUIRE(shapes_of(*c).at("fc1.weight") == Shape({250, 1024}));
  REQUIRE(dynamic_cast<CNN&>(*c).flat_features() == 1024);
  REQUIRE(c->num_parameters() == 344042 + 2 * 16 * 9 + (1024 - 576) * 250);
  REQUIRE(m->layer_names() == std::vector<std::string>{"input", "flatten", "fc1", "fc2", "fc3"});
  REQUIRE(m->last_hidden_layer() == "fc3");
}

TEST_CASE("ResNet-18: torchvision names, BatchNorm buffers, 11,173,962 parameters", "[nn]") {
  auto m = make_model("resnet18", 3, 32, 32, 10, 42);
  // torchvision resnet18 (11,689,512) with a 3x3 stem instead of 7x7 and a 10-way fc.
  REQUIRE(m->num_parameters() ==
          11689512 - 64 * 3 * 49 + 64 * 3 * 9 - (512 * 1000 + 1000) + (512 * 10 + 10));
  REQUIRE(m->num_parameters() == 11173962);
  const NamedTensors sd = m->state_dict();
  REQUIRE(m->named_parameters().size() == 62);  // 20 convs, 20 BNs x 2, fc x 2
  REQUIRE(m->named_buffers().size() == 40);     // 20 BNs x (running_mean, running_var)
  REQUIRE(sd.size() == 102);
  std::vector<std::string> head;
  for (size_t i = 0; i < 7; ++i) head.push_back(sd[i].first);
  REQUIRE(head == std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias",
                                           "bn1.running_mean", "bn1.running_var",
                                           "layer1.0.conv1.weight", "layer1.0.bn1.weight"});
  REQUIRE(sd.back().first == "fc.bias");
  auto s = shapes_of(*m);
  REQUIRE(s.at("conv1.weight") == Shape({64, 3, 3, 3}));
  REQUIRE(s.at("layer1.1.conv2.weight") == Shape({64, 64, 3, 3}));
  REQUIRE(s.count("layer1.0.downsample.0.weight") == 0);
  REQUIRE(s.at("layer2.0.conv1.weight") == Shape({128, 64, 3, 3}));
  REQUIRE(s.at("layer2.0.downsample.0.weight") == Shape({128, 64, 1, 1}));
  REQUIRE(s.at("layer2.0.downsample.1.running_var") == Shape({128}));
  REQUIRE(s.at("layer4.1.bn2.bias") == Shape({512}));
  REQUIRE(s.count("layer4.0.downsample.1.weight") == 1);
  REQUIRE(s.count("layer2.1.downsample.0.weight") == 0);
  REQUIRE(s.at("fc.weight") == Shape({10, 512}));
  REQUIRE(m->output_layer_name() == "fc");
  REQUIRE(m->last_hidden_layer() == "pool");
  // Forward order, with the reference's three taps inside the first stage.
  REQUIRE(m->layer_names() == std::vector<std::string>{"input", "stem", "l0_1", "l0_2", "l0_3",
                                                       "layer1", "layer2", "layer3", "layer4",
                                                       "pool"});
  // Fresh BatchNorm: gamma 1, beta 0, running stats 0 / 1.
  REQUIRE(m->state_dict()[1].second.to_vector() == std::vector<float>(64, 1.0f));
  REQUIRE(m->state_dict()[4].second.to_vector() == std::vector<float>(64, 1.0f));
}

TEST_CASE("initialisation: PyTorch bounds, a pure function of the seed", "[nn]") {
  auto a = make_model("mlp", 1, 28, 28, 10, 7), b = make_model("mlp", 1, 28, 28, 10, 7);
  auto c = make_model("mlp", 1, 28, 28, 10, 8);
  const NamedTensors sa = a->state_dict(), sb = b->state_dict(), sc = c->state_dict();
  for (size_t i = 0; i < sa.size(); ++i)
    REQUIRE(mp::testing::arrays_equal(sa[i].second.to_vector(), sb[i].second.to_vector()));
  REQUIRE_FALSE(mp::testing::arrays_equal(sa[0].second.to_vector(), sc[0].second.to_vector()));
  // fc1.weight and fc1.bias ~ U(-1/sqrt(784), 1/sqrt(784)); fc2.* with fan_in 128.
  for (int i = 0; i < 4; ++i) {
    const float bound = 1.0f / std::sqrt(i < 2 ? 784.0f : 128.0f);
    std::vector<float> v = sa[static_cast<size_t>(i)].second.to_vector();
    float lo = 1, hi = -1;
    double mean = 0;
    for (float x : v) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      mean += x;
    }
    mean /= static_cast<double>(v.size());
    INFO(sa[static_cast<size_t>(i)].first);
    REQUIRE(lo >= -bound);
    REQUIRE(hi <= bound);
    if (v.size() > 1000) {  // a weight matrix spans its whole range, centred on 0
      REQUIRE(lo < -0.99f * bound);
      REQUIRE(hi > 0.99f * bound);
      REQUIRE(std::fabs(mean) < 0.01 * bound);
    }
  }
  // Conv fan_in is in * k * k.
  auto cnn = make_model("cnn", 3, 32, 32, 10, 7);
  std::vector<float> w = cnn->state_dict()[0].second.to_vector();
  const auto [wlo, whi] = std::minmax_element(w.begin(), w.end());
  REQUIRE(*wlo >= -1.0f / std::sqrt(27.0f));
  REQUIRE(*whi <= 1.0f / std::sqrt(27.0f));
}

TEST_CASE("taps: post-ReLU activations flattened to B x d, the output reads the last one", "[nn]") {
  ag::NoGradGuard ng;
  SECTION("mlp") {
    auto m = make_model("mlp", 1, 28, 28, 10, 1);
    std::map<std::string, Tensor> taps;
    ag::Var x(input_batch(3, 1, 28, 28, 2));
    ag::Var y = m->forward_taps(x, m->layer_names(), &taps);
    REQUIRE(y.shape() == Shape({3, 10}));
    REQUIRE(taps.at("input").shape() == Shape({3, 784}));
    REQUIRE(taps.at("fc1").shape() == Shape({3, 128}));
    REQUIRE(taps.at("fc3").shape() == Shape({3, 2048}));
    for (const char* n : {"fc1", "fc2", "fc3", "fc4"}) {
      std::vector<float> v = taps.at(n).to_vector();
      REQUIRE(*std::min_element(v.begin(), v.end()) == 0.0f);  // post-ReLU: some dead, none < 0
    }
    // The edited-model invariant depends on this: logits = out(fc4 tap).
    ag::Var direct = m->output_layer().forward(ag::Var(taps.at("fc4")));
    REQUIRE(direct.data().to_vector() == y.data().to_vector());
    REQUIRE(m->forward(x).data().to_vector() == y.data().to_vector());
    // A flat input is accepted too.
    REQUIRE(m->forward(ag::flatten(x)).data().to_vector() == y.data().to_vector());
  }
  SECTION("cnn") {
    auto m = make_model("cnn", 1, 28, 28, 10, 1);
    std::map<std::string, Tensor> taps;
    ag::Var y = m->forward_taps(ag::Var(input_batch(2, 1, 28, 28, 3)), {"flatten", "fc3"}, &taps);
    REQUIRE(taps.size() == 2);
    REQUIRE(taps.at("flatten").shape() == Shape({2, 576}));
    REQUIRE(taps.at("fc3").shape() == Shape({2, 250}));
    ag::Var direct = m->output_layer().forward(ag::Var(taps.at("fc3")));
    REQUIRE(direct.data().to_vector() == y.data().to_vector());
  }
  SECTION("resnet18") {
    auto m = make_model("resnet18", 3, 32, 32, 10, 1);
    m->eval();
    std::map<std::string, Tensor> taps;
    ag::Var y = m->forward_taps(ag::Var(input_batch(2, 3, 32, 32, 4)), m->layer_names(), &taps);
    REQUIRE(y.shape() == Shape({2, 10}));
    REQUIRE(taps.at("input").shape() == Shape({2, 3072}));
    REQUIRE(taps.at("stem").shape() == Shape({2, 64 * 16 * 16}));
    for (const char* n : {"l0_1", "l0_2", "l0_3"})
      REQUIRE(taps.at(n).shape() == Shape({2, 64 * 16 * 16}));
    REQUIRE(taps.at("layer1").shape() == Shape({2, 64 * 16 * 16}));
    REQUIRE(taps.at("layer2").shape() == Shape({2, 128 * 8 * 8}));
    REQUIRE(taps.at("layer3").shape() == Shape({2, 256 * 4 * 4}));
    REQUIRE(taps.at("layer4").shape() == Shape({2, 512 * 2 * 2}));
    REQUIRE(taps.at("pool").shape() == Shape({2, 512}));
    std::vector<float> l4 = taps.at("layer4").to_vector();
    REQUIRE(*std::min_element(l4.begin(), l4.end()) >= 0.0f);
    ag::Var direct = m->output_layer().forward(ag::Var(taps.at("pool")));
    REQUIRE(direct.data().to_vector() == y.data().to_vector());
  }
}

TEST_CASE("model errors: unknown arch, unknown layer, wrong input shape", "[nn]") {
  try {
    make_model("vgg", 1, 28, 28, 10, 1);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("unknown architecture 'vgg'") != std::string::npos);
  }
  auto m = make_model("mlp", 1, 28, 28, 10, 1);
  std::map<std::string, Tensor> taps;
  ag::Var x(input_batch(2, 1, 28, 28, 1));
  try {
    m->forward_taps(x, {"fc9"}, &taps);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("unknown layer 'fc9'") != std::string::npos);
    REQUIRE(std::string(e.what()).find("fc4") != std::string::npos);
  }
  REQUIRE_THROWS_AS(m->forward(ag::Var(input_batch(2, 3, 32, 32, 1))), Error);
  auto c = make_model("cnn", 3, 32, 32, 10, 1);
  REQUIRE_THROWS_AS(c->forward(ag::Var(input_batch(2, 1, 28, 28, 1))), Error);
  REQUIRE_THROWS_AS(make_model("cnn", 1, 4, 4, 10, 1), Error);
  REQUIRE_THROWS_AS(make_model("mlp", 1, 28, 28, 1, 1), Error);
}
