// End-to-end: small networks learn synthetic tasks; training is deterministic; the study's
// models pass a sampled gradient check on a real batch.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "nn/activation.h"
#include "nn/adam.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/models.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "nn/sgd.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

namespace {

// Three Gaussian blobs in 2-D, class = blob.
void blobs(int64_t n, Rng& rng, Tensor& x, std::vector<int32_t>& y) {
  const float cx[3] = {-1.0f, 1.0f, 0.0f}, cy[3] = {-0.5f, -0.5f, 1.0f};
  x = Tensor::empty({n, 2});
  y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int32_t c = static_cast<int32_t>(rng.randint(3));
    y[static_cast<size_t>(i)] = c;
    x.data()[2 * i] = cx[c] + 0.3f * static_cast<float>(rng.normal());
    x.data()[2 * i + 1] = cy[c] + 0.3f * static_cast<float>(rng.normal());
  }
}

// 8x8 images with a bright horizontal (class 0) or vertical (class 1) bar somewhere, plus noise.
void bars(int64_t n, Rng& rng, Tensor& x, std::vector<int32_t>& y) {
  x = Tensor::empty({n, 1, 8, 8});
  y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int32_t c = static_cast<int32_t>(rng.randint(2));
    const int64_t pos = rng.randint(8);
    y[static_cast<size_t>(i)] = c;
    float* img = x.data() + i * 64;
    for (int64_t r = 0; r < 8; ++r)
      for (int64_t k = 0; k < 8; ++k) {
        const bool on = c == 0 ? r == pos : k == pos;
        img[r * 8 + k] = (on ? 1.0f : -0.5f) + 0.2f * static_cast<float>(rng.normal());
      }
  }
}

double eval_loss(Module& m, const Tensor& x, const std::vector<int32_t>& y) {
  ag::NoGradGuard ng;
  return ag::cross_entropy(m.forward(ag::Var(x)), y).item();
}

}  // namespace

TEST_CASE("a small MLP learns three blobs with SGD + momentum", "[nn]") {
  Rng rng(1);
  Sequential net;
  auto fc1 = net.add(std::make_shared<Linear>(2, 32, rng));
  net.add(std::make_shared<ReLU>());
  net.add(std::make_shared<Linear>(32, 3, rng));
  Tensor x;
  std::vector<int32_t> y;
  blobs(256, rng, x, y);
  SGD opt(net.named_parameters(), 0.05, 0.9);
  const double start = eval_loss(net, x, y);
  for (int epoch = 0; epoch < 30; ++epoch)
    for (int64_t b = 0; b < 256; b += 32) {
      opt.zero_grad();
      std::vector<int32_t> yb(y.begin() + b, y.begin() + b + 32);
      ag::cross_entropy(net.forward(ag::Var(x.slice0(b, b + 32))), yb).backward();
      opt.step();
    }
  const double end = eval_loss(net, x, y);
  INFO("loss " << start << " -> " << end);
  REQUIRE(start > 0.9);
  REQUIRE(end < 0.25 * start);
}

TEST_CASE("a small CNN learns horizontal vs vertical bars with Adam", "[nn]") {
  Rng rng(2);
  Sequential net;
  net.add(std::make_shared<Conv2d>(1, 4, 3, rng, 1, 1));
  net.add(std::make_shared<ReLU>());
  net.add(std::make_shared<MaxPool2d>(2));
  net.add(std::make_shared<Flatten>());
  net.add(std::make_shared<Linear>(64, 2, rng));
  Tensor x;
  std::vector<int32_t> y;
  bars(128, rng, x, y);
  Adam opt(net.named_parameters(), 1e-2);
  const double start = eval_loss(net, x, y);
  for (int epoch = 0; epoch < 15; ++epoch)
    for (int64_t b = 0; b < 128; b += 16) {
      opt.zero_grad();
      std::vector<int32_t> yb(y.begin() + b, y.begin() + b + 16);
      ag::cross_entropy(net.forward(ag::Var(x.slice0(b, b + 16))), yb).backward();
      opt.step();
    }
  const double end = eval_loss(net, x, y);
  INFO("loss " << start << " -> " << end);
  REQUIRE(start > 0.5);
  REQUIRE(end < 0.2 * start);
}

// Each sample is a distinct constant image plus noise. (On pure noise the CNN, whose
// PyTorch-default init shrinks the signal through nine ReLU layers, first sits ~50 Adam steps
// on the ln(8) plateau of predicting the batch's label frequencies before it memorises.)
struct FitCase {
  const char* arch;
  int64_t C, S, B;
  int steps;
  double lr, ratio;  // the last loss must be below ratio * the first
  float noise;       // amplitude of the per-pixel noise on top of the per-sample constant
};

static void check_fits(const FitCase& c) {
  auto m = make_model(c.arch, c.C, c.S, c.S, 10, 3);
  Rng rng(4);
  Tensor x = Tensor::empty({c.B, c.C, c.S, c.S});
  const int64_t per = c.C * c.S * c.S;
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data()[i] = 0.25f * static_cast<float>(i / per) - 1.0f + rng.uniform(-c.noise, c.noise);
  std::vector<int32_t> y(static_cast<size_t>(c.B));
  for (int32_t i = 0; i < c.B; ++i) y[static_cast<size_t>(i)] = i;
  Adam opt(m->named_parameters(), c.lr);
  double first = 0, last = 0;
  for (int s = 0; s < c.steps; ++s) {
    opt.zero_grad();
    ag::Var loss = ag::cross_entropy(m->forward(ag::Var(x)), y);
    loss.backward();
    opt.step();
    (s == 0 ? first : last) = loss.item();
  }
  INFO(c.arch << " loss " << first << " -> " << last);
  REQUIRE(first == Approx(std::log(10.0)).margin(0.5));  // near chance at initialisation
  REQUIRE(last < c.ratio * first);
}

TEST_CASE("the study's MLP fits a small batch", "[nn]") {
  check_fits({"mlp", 1, 28, 8, 10, 1e-3, 0.3, 0.5f});
}

TEST_CASE("the study's CNN fits a small batch", "[nn]") {
  check_fits({"cnn", 1, 28, 8, 30, 3e-3, 0.85, 0.1f});
}

TEST_CASE("the study's ResNet-18 fits a small batch", "[nn]") {
  check_fits({"resnet18", 3, 32, 4, 5, 1e-3, 0.7, 0.5f});
}

TEST_CASE("training is deterministic: one seed, one thread count, identical parameters", "[nn]") {
  auto run = []() {
    auto m = make_model("cnn", 1, 28, 28, 10, 21);
    Rng rng(22);
    Tensor x = Tensor::empty({16, 1, 28, 28});
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = rng.uniform(-1, 1);
    std::vector<int32_t> y(16);
    for (auto& v : y) v = static_cast<int32_t>(rng.randint(10));
    Adam opt(m->named_parameters(), 2e-4);
    for (int s = 0; s < 3; ++s) {
      opt.zero_grad();
      ag::cross_entropy(m->forward(ag::Var(x)), y).backward();
      opt.step();
    }
    std::vector<float> all;
    for (auto& [n, t] : m->state_dict()) {
      std::vector<float> v = t.to_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  const std::vector<float> a = run(), b = run();
  REQUIRE(a.size() == 344042);
  // Bit-identical by design for one seed, thread count and BLAS kernel (README, Reproducibility).
  REQUIRE(mp::testing::arrays_equal(a, b));
}

TEST_CASE("gradcheck_params passes on the study's models with a real batch", "[nn]") {
  struct Case {
    const char* arch;
    int64_t C, S;
  };
  for (Case c : {Case{"mlp", 1, 28}, Case{"cnn", 1, 28}, Case{"resnet18", 3, 32}}) {
    INFO(c.arch);
    const bool resnet = std::string(c.arch) == "resnet18";
    auto m = make_model(c.arch, c.C, c.S, c.S, 10, 5);
    m->eval();  // BatchNorm with fixed statistics: the loss is a pure function of the weights
    Rng rng(6);
    const int64_t B = resnet ? 2 : 4;
    Tensor x = Tensor::empty({B, c.C, c.S, c.S});
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = rng.uniform(-1, 1);
    const std::vector<int32_t> y = {1, 0, 7, 3};  // the first B are used
    auto loss = [&]() { return ag::cross_entropy(m->forward(ag::Var(x)), y.data(), B); };
    NamedVars params = m->named_parameters();
    if (resnet) {  // a forward costs ~0.1 s: one tensor of each kind along the network
      NamedVars some;
      for (auto& kv : params)
        for (const char* n : {"conv1.weight", "layer1.0.bn1.weight", "layer2.0.downsample.0.weight",
                              "layer3.1.bn2.bias", "layer4.1.conv2.weight", "fc.bias"})
          if (kv.first == n) some.push_back(kv);
      REQUIRE(some.size() == 6);
      params = some;
    }
    ag::GradcheckResult r = ag::gradcheck_params(loss, params, resnet ? 1 : 2, rng);
    INFO(r.message);
    REQUIRE(r.checked > 0);
    REQUIRE(r.refined * 10 <= r.checked);  // kinks are the exception
    REQUIRE(r.ok);
  }
}
