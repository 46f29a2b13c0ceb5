// state_dict round trips and load_state_dict's checks; train/eval; BatchNorm buffers.
#include <catch2/catch.hpp>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/batchnorm.h"
#include "nn/models.h"
#include "nn/sequential.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

namespace {

std::string load_error(Module& m, const NamedTensors& sd) {
  try {
    m.load_state_dict(sd);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

NamedTensors cloned(const NamedTensors& sd) {
  NamedTensors out;
  for (const auto& [n, t] : sd) out.emplace_back(n, t.clone());
  return out;
}

}  // namespace

TEST_CASE("state_dict round trip reproduces the model exactly", "[nn]") {
  for (const char* arch : {"mlp", "cnn", "resnet18"}) {
    INFO(arch);
    const int64_t C = std::string(arch) == "mlp" ? 1 : 3, S = C == 1 ? 28 : 32;
    auto a = make_model(arch, C, S, S, 10, 1), b = make_model(arch, C, S, S, 10, 2);
    // Make the buffers non-trivial so they are part of the check.
    for (auto& [n, t] : a->named_buffers())
      t.fill(n.find("mean") != std::string::npos ? 0.1f : 2.0f);
    const Tensor w_before = b->named_parameters()[0].second.data();
    b->load_state_dict(cloned(a->state_dict()));
    // Loaded in place: the parameter keeps its storage.
    REQUIRE(b->named_parameters()[0].second.data().same_storage(w_before));
    const NamedTensors sa = a->state_dict(), sb = b->state_dict();
    REQUIRE(sa.size() == sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      REQUIRE(sa[i].first == sb[i].first);
      REQUIRE(mp::testing::arrays_equal(sa[i].second.to_vector(), sb[i].second.to_vector()));
    }
    a->eval();
    b->eval();
    ag::NoGradGuard ng;
    Tensor x = Tensor::full({2, C, S, S}, 0.25f);
    REQUIRE(a->forward(ag::Var(x)).data().to_vector() == b->forward(ag::Var(x)).data().to_vector());
  }
}

TEST_CASE("load_state_dict names the first mismatch and the missing/unexpected names", "[nn]") {
  auto mnist = make_model("mlp", 1, 28, 28, 10, 1), cifar = make_model("mlp", 3, 32, 32, 10, 1);
  const std::vector<float> before = cifar->state_dict()[0].second.to_vector();
  std::string e = load_error(*cifar, mnist->state_dict());
  INFO(e);
  REQUIRE(e.find("'fc1.weight' expected shape [128, 3072], found [128, 784]") != std::string::npos);
  // Nothing changed.
  REQUIRE(mp::testing::arrays_equal(cifar->state_dict()[0].second.to_vector(), before));

  NamedTensors sd = cloned(mnist->state_dict());
  sd.erase(sd.begin() + 3);  // fc2.bias
  sd.emplace_back("fc5.weight", Tensor::zeros({2, 2}));
  e = load_error(*mnist, sd);
  INFO(e);
  REQUIRE(e.find("1 missing: fc2.bias") != std::string::npos);
  REQUIRE(e.find("1 unexpected: fc5.weight") != std::string::npos);

  auto resnet = make_model("resnet18", 3, 32, 32, 10, 1);
  NamedTensors rs = cloned(resnet->state_dict());
  rs.erase(rs.begin() + 3);  // bn1.running_mean
  e = load_error(*resnet, rs);
  REQUIRE(e.find("missing: bn1.running_mean") != std::string::npos);

  // A PyTorch state_dict also carries BatchNorm's num_batches_tracked: accepted and ignored,
  // but only next to running statistics.
  NamedTensors torch_sd = cloned(resnet->state_dict());
  torch_sd.emplace_back("bn1.num_batches_tracked", Tensor::scalar(3.0f));
  torch_sd.emplace_back("layer2.0.downsample.1.num_batches_tracked", Tensor::scalar(3.0f));
  resnet->load_state_dict(torch_sd);
  torch_sd.emplace_back("fc.num_batches_tracked", Tensor::scalar(3.0f));
  e = load_error(*resnet, torch_sd);
  REQUIRE(e.find("1 unexpected: fc.num_batches_tracked") != std::string::npos);

  // A map works as well as an ordered list.
  std::map<std::string, Tensor> m;
  for (auto& [n, t] : mnist->state_dict()) m[n] = t.clone();
  auto other = make_model("mlp", 1, 28, 28, 10, 5);
  other->load_state_dict(m);
  REQUIRE(mp::testing::arrays_equal(other->state_dict()[9].second.to_vector(),
                                    mnist->state_dict()[9].second.to_vector()));
}

TEST_CASE("train/eval reach every submodule, BatchNorm updates running stats only in training",
          "[nn]") {
  auto m = make_model("resnet18", 3, 32, 32, 10, 1);
  REQUIRE(m->is_training());
  m->eval();
  for (auto& [n, c] : m->named_children()) REQUIRE_FALSE(c->is_training());
  Tensor x = Tensor::full({2, 3, 32, 32}, 0.5f);
  x.data()[7] = -1.0f;
  ag::NoGradGuard ng;
  const std::vector<float> rm0 = m->named_buffers()[0].second.to_vector();
  m->forward(ag::Var(x));
  REQUIRE(m->named_buffers()[0].second.to_vector() == rm0);
  m->train();
  m->forward(ag::Var(x));
  REQUIRE(m->named_buffers()[0].second.to_vector() != rm0);
}

TEST_CASE("Module registration rules and Sequential naming", "[nn]") {
  Rng rng(1);
  Sequential s;
  s.add(std::make_shared<BatchNorm2d>(3));
  s.add(std::make_shared<BatchNorm2d>(4));
  std::vector<std::string> names;
  for (auto& kv : s.state_dict()) names.push_back(kv.first);
  REQUIRE(names == std::vector<std::string>{"0.weight", "0.bias", "0.running_mean", "0.running_var",
                                            "1.weight", "1.bias", "1.running_mean",
                                            "1.running_var"});
  REQUIRE(s.num_parameters() == 14);
  for (auto& p : s.parameters()) REQUIRE(p.requires_grad());
  // zero_grad zeroes existing gradients in place.
  ag::Var w = s.parameters()[0];
  w.set_grad(Tensor::full({3}, 5.0f));
  s.zero_grad();
  REQUIRE(w.grad().to_vector() == std::vector<float>(3, 0.0f));
}
