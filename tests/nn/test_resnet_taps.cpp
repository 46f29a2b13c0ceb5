// ResNet-18's taps inside the first stage (l0_1, l0_2, l0_3, as the reference names them): each
// is the tensor the block computes there, recomputed here from the block's own modules.
#include <catch2/catch.hpp>

#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/models.h"
#include "nn/resnet.h"
#include "nn/sequential.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

namespace {

Module& child(Module& m, const std::string& name) {
  for (const auto& [n, c] : m.named_children())
    if (n == name) return *c;
  FAIL("no child " << name);
  throw;
}

// relu(bn1(conv1(x))) of a BasicBlock, from its registered modules.
ag::Var block_inner(Module& block, const ag::Var& x) {
  return ag::relu(child(block, "bn1").forward(child(block, "conv1").forward(x)));
}

}  // namespace

TEST_CASE("resnet18 first-stage taps: l0_1, l0_2, l0_3 are the block tensors, 64x16x16", "[nn]") {
  ag::NoGradGuard ng;
  auto m = make_model("resnet18", 3, 32, 32, 10, 5);
  m->eval();
  const ag::Var x(mp::testing::uniform_tensor({3, 3, 32, 32}, 9));
  std::map<std::string, Tensor> taps;
  m->forward_taps(x, {"stem", "l0_1", "l0_2", "l0_3", "layer1"}, &taps);
  for (const char* n : {"l0_1", "l0_2", "l0_3"}) {
    INFO(n);
    REQUIRE(taps.at(n).shape() == Shape({3, 64 * 16 * 16}));
    const std::vector<float> v = taps.at(n).to_vector();
    REQUIRE(*std::min_element(v.begin(), v.end()) == 0.0f);  // post-ReLU, some units dead
    REQUIRE(*std::max_element(v.begin(), v.end()) > 0.0f);
  }
  Module& layer1 = child(*m, "layer1");
  Module& b0 = child(layer1, "0");
  Module& b1 = child(layer1, "1");
  const ag::Var stem(taps.at("stem").reshape({3, 64, 16, 16}));
  // l0_1: the ReLU inside block layer1.0.
  REQUIRE(block_inner(b0, stem).data().to_vector() == taps.at("l0_1").to_vector());
  // l0_2: block layer1.0's output, i.e. the input of block layer1.1.
  const ag::Var out0 = b0.forward(stem);
  REQUIRE(out0.data().to_vector() == taps.at("l0_2").to_vector());
  // l0_3: the ReLU inside block layer1.1, computed from l0_2.
  const ag::Var l02(taps.at("l0_2").reshape({3, 64, 16, 16}));
  REQUIRE(block_inner(b1, l02).data().to_vector() == taps.at("l0_3").to_vector());
  // ... and layer1 is block layer1.1 applied to l0_2.
  REQUIRE(b1.forward(l02).data().to_vector() == taps.at("layer1").to_vector());
  // The taps differ from each other and from the stage output (distinct tensors).
  REQUIRE(taps.at("l0_2").to_vector() != taps.at("layer1").to_vector());
  REQUIRE(taps.at("l0_1").to_vector() != taps.at("l0_3").to_vector());
}

TEST_CASE("resnet18 first-stage taps are accepted by name alone and leave the logits as they were",
          "[nn]") {
  ag::NoGradGuard ng;
  auto m = make_model("resnet18", 3, 32, 32, 10, 6);
  m->eval();
  const ag::Var x(mp::testing::uniform_tensor({2, 3, 32, 32}, 3));
  const std::vector<float> plain = m->forward(x).data().to_vector();
  for (const char* n : {"l0_1", "l0_2", "l0_3"}) {
    std::map<std::string, Tensor> taps;
    const ag::Var y = m->forward_taps(x, {n}, &taps);
    REQUIRE(taps.size() == 1);
    REQUIRE(taps.at(n).shape() == Shape({2, 16384}));
    REQUIRE(y.data().to_vector() == plain);
  }
  std::map<std::string, Tensor> taps;
  try {
    m->forward_taps(x, {"l0_4"}, &taps);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("unknown layer 'l0_4'") != std::string::npos);
    REQUIRE(std::string(e.what()).find("l0_3") != std::string::npos);
  }
}
