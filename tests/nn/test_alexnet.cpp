// The small AlexNet (docs/method.md §4): both variants' PyTorch names, shapes and counts, the
// variant rule, taps, a gradient check and a few training steps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "nn/adam.h"
#include "nn/alexnet.h"
#include "nn/loss.h"
#include "nn_test_util.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

using mp::testing::shapes_of;

namespace {

int64_t conv_params(int64_t in, int64_t out, int64_t k) {
  return in * out * k * k + out;
}

}  // namespace

TEST_CASE("AlexNet CIFAR-100 variant: names, shapes, 3x3 stride-2 stem, count", "[nn]") {
  auto m = make_model("alexnet", 3, 32, 32, 100, 42);
  auto& a = dynamic_cast<AlexNet&>(*m);
  REQUIRE_FALSE(a.tiny_imagenet());
  REQUIRE(a.flat_features() == 256);  // 32 -> 16 -> 7 -> 7 -> 3 -> 3 -> 1
  std::vector<std::string> names;
  for (const auto& kv : m->named_parameters()) names.push_back(kv.first);
  REQUIRE(names ==
          std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight",
                                   "features.3.bias", "features.6.weight", "features.6.bias",
                                   "features.8.weight", "features.8.bias", "features.10.weight",
                                   "features.10.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                                   "fc2.bias", "fc3.weight", "fc3.bias"});
  auto s = shapes_of(*m);
  REQUIRE(s.at("features.0.weight") == Shape({64, 3, 3, 3}));
  REQUIRE(s.at("features.3.weight") == Shape({192, 64, 3, 3}));
  REQUIRE(s.at("features.6.weight") == Shape({384, 192, 3, 3}));
  REQUIRE(s.at("features.8.weight") == Shape({256, 384, 3, 3}));
  REQUIRE(s.at("features.10.weight") == Shape({256, 256, 3, 3}));
  REQUIRE(s.at("fc1.weight") == Shape({4096, 256}));
  REQUIRE(s.at("fc2.weight") == Shape({4096, 4096}));
  REQUIRE(s.at("fc3.weight") == Shape({100, 4096}));
  REQUIRE(s.at("fc3.bias") == Shape({100}));
  const int64_t convs = conv_params(3, 64, 3) + conv_params(64, 192, 3) + conv_params(192, 384, 3) +
                        conv_params(384, 256, 3) + conv_params(256, 256, 3);
  const int64_t fcs = (256 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 100 + 100);
  REQUIRE(m->num_parameters() == convs + fcs);
  REQUIRE(m->num_parameters() == 20495268);
  REQUIRE(m->named_buffers().empty());
  REQUIRE(m->layer_names() == std::vector<std::string>{"input", "flatten", "fc1", "fc2"});
  REQUIRE(m->last_hidden_layer() == "fc2");
  REQUIRE(m->output_layer_name() == "fc3");
  REQUIRE(m->output_layer().weight.same(m->named_parameters()[14].second));
  REQUIRE(m->arch() == "alexnet");
}

TEST_CASE("AlexNet Tiny ImageNet variant: 11x11 stride-4 stem, 5x5 conv2, flatten 256", "[nn]") {
  auto m = make_model("alexnet", 3, 64, 64, 200, 42);
  auto& a = dynamic_cast<AlexNet&>(*m);
  REQUIRE(a.tiny_imagenet());
  REQUIRE(a.flat_features() == 256);  // 64 -> 15 -> 7 -> 7 -> 3 -> 3 -> 1
  auto s = shapes_of(*m);
  REQUIRE(s.at("features.0.weight") == Shape({64, 3, 11, 11}));
  REQUIRE(s.at("features.3.weight") == Shape({192, 64, 5, 5}));
  REQUIRE(s.at("features.6.weight") == Shape({384, 192, 3, 3}));
  REQUIRE(s.at("fc1.weight") == Shape({4096, 256}));
  REQUIRE(s.at("fc3.weight") == Shape({200, 4096}));
  const int64_t convs = conv_params(3, 64, 11) + conv_params(64, 192, 5) +
                        conv_params(192, 384, 3) + conv_params(384, 256, 3) +
                        conv_params(256, 256, 3);
  const int64_t fcs = (256 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 200 + 200);
  REQUIRE(m->num_parameters() == convs + fcs);
  REQUIRE(m->num_parameters() == 21123080);
}

TEST_CASE("AlexNet variant rule: at least 64x64 takes the Tiny ImageNet stem", "[nn]") {
  REQUIRE_FALSE(AlexNet::imagenet_stem(32, 32));
  REQUIRE_FALSE(AlexNet::imagenet_stem(63, 64));
  REQUIRE(AlexNet::imagenet_stem(64, 64));
  REQUIRE(AlexNet::imagenet_stem(96, 80));
  // A larger input keeps more than 1x1 after the last pool and flattens wider.
  auto big = make_model("alexnet", 3, 96, 96, 10, 1);
  REQUIRE(dynamic_cast<AlexNet&>(*big).flat_features() == 256 * 2 * 2);  // 96->23->11->5->2
  // One channel works too (the stem's input channels follow the data).
  auto grey = make_model("alexnet", 1, 32, 32, 10, 1);
  REQUIRE(shapes_of(*grey).at("features.0.weight") == Shape({64, 1, 3, 3}));
  REQUIRE(dynamic_cast<AlexNet&>(*grey).flat_features() == 256);
  // 28x28 (MNIST) shrinks to 14 -> 6 -> 2, and the last 3x3 pool has nothing to pool.
  try {
    make_model("alexnet", 1, 28, 28, 10, 1);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("alexnet: input 28x28 is too small") != std::string::npos);
    REQUIRE(std::string(e.what()).find("conv5") != std::string::npos);
  }
}

TEST_CASE("AlexNet taps: flatten, fc1, fc2 post-ReLU, the output reads fc2", "[nn]") {
  ag::NoGradGuard ng;
  for (int64_t side : {32, 64}) {
    INFO("input " << side << "x" << side);
    auto m = make_model("alexnet", 3, side, side, 100, 1);
    std::map<std::string, Tensor> taps;
    ag::Var x(mp::testing::uniform_tensor({3, 3, side, side}, 2));
    ag::Var y = m->forward_taps(x, m->layer_names(), &taps);
    REQUIRE(y.shape() == Shape({3, 100}));
    REQUIRE(taps.at("input").shape() == Shape({3, 3 * side * side}));
    REQUIRE(taps.at("flatten").shape() == Shape({3, 256}));
    REQUIRE(taps.at("fc1").shape() == Shape({3, 4096}));
    REQUIRE(taps.at("fc2").shape() == Shape({3, 4096}));
    for (const char* n : {"flatten", "fc1", "fc2"}) {
      std::vector<float> v = taps.at(n).to_vector();
      REQUIRE(*std::min_element(v.begin(), v.end()) == 0.0f);  // post-ReLU
      REQUIRE(*std::max_element(v.begin(), v.end()) > 0.0f);
    }
    // The weight-edit transfer's invariant depends on this: logits = fc3(fc2 tap).
    ag::Var direct = m->output_layer().forward(ag::Var(taps.at("fc2")));
    REQUIRE(direct.data().to_vector() == y.data().to_vector());
    REQUIRE(m->forward(x).data().to_vector() == y.data().to_vector());
  }
}

TEST_CASE("gradcheck_params passes on AlexNet with a real batch", "[nn]") {
  auto m = make_model("alexnet", 3, 32, 32, 10, 5);
  Rng rng(6);
  const int64_t B = 3;
  Tensor x = Tensor::empty({B, 3, 32, 32});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = rng.uniform(-1, 1);
  const std::vector<int32_t> y = {1, 0, 7};
  auto loss = [&]() { return ag::cross_entropy(m->forward(ag::Var(x)), y.data(), B); };
  NamedVars some;  // one tensor of each kind along the network (a forward is ~20 M MACs)
  for (auto& kv : m->named_parameters())
    for (const char* n : {"features.0.weight", "features.3.bias", "features.8.weight",
                          "features.10.bias", "fc1.weight", "fc2.bias", "fc3.weight", "fc3.bias"})
      if (kv.first == n) some.push_back(kv);
  REQUIRE(some.size() == 8);
  ag::GradcheckResult r = ag::gradcheck_params(loss, some, 2, rng);
  INFO(r.message);
  REQUIRE(r.checked > 0);
  REQUIRE(r.refined * 10 <= r.checked);  // kinks are the exception
  REQUIRE(r.ok);
}

TEST_CASE("AlexNet: a few Adam steps at the paper's rate reduce the loss", "[nn]") {
  auto m = make_model("alexnet", 3, 32, 32, 100, 3);
  Rng rng(4);
  const int64_t B = 8;
  Tensor x = Tensor::empty({B, 3, 32, 32});
  const int64_t per = 3 * 32 * 32;
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data()[i] = 0.25f * static_cast<float>(i / per) - 1.0f + rng.uniform(-0.5f, 0.5f);
  std::vector<int32_t> y(static_cast<size_t>(B));
  for (int64_t i = 0; i < B; ++i) y[static_cast<size_t>(i)] = static_cast<int32_t>(11 * i);
  Adam opt(m->named_parameters(), 1e-4);
  double first = 0, last = 0;
  for (int s = 0; s < 10; ++s) {
    opt.zero_grad();
    ag::Var loss = ag::cross_entropy(m->forward(ag::Var(x)), y);
    loss.backward();
    opt.step();
    (s == 0 ? first : last) = loss.item();
  }
  INFO("loss " << first << " -> " << last);
  REQUIRE(first == Approx(std::log(100.0)).margin(0.5));  // near chance at initialisation
  REQUIRE(last < 0.85 * first);                           // 4.6 -> 3.6 in ten steps at lr 1e-4
}
