// Optimizer::zero_grad is lazy (Var::zero_grad_lazy): training with it must be bit-identical to
// training with an eager zero fill (Module::zero_grad), including a parameter that no backward
// reaches (its deferred zeros are filled before the update reads the slab). Bit-identity is a
// design property here, for every BLAS kernel: both paths compute each gradient with the same
// kernel call and differ only in adding it to zeros (exact), see BackwardCtx::leaf_grad_out.
// scripts/test.sh runs this under OPENBLAS_CORETYPE=Haswell too, whose sgemm rounds an
// accumulating call (beta 1) differently from an overwriting one (beta 0).
#include <catch2/catch.hpp>

#include "autograd/ops.h"
#include "nn/adam.h"
#include "nn/models.h"
#include "nn/sgd.h"
#include "tensor/rng.h"
#include "test_util.h"

using namespace mp;
using namespace mp::ag;

namespace {

using mp::testing::uniform_tensor;

}  // namespace

TEST_CASE("optimizer steps after lazy zero_grad equal steps after an eager zero fill", "[nn]") {
  auto run = [](bool eager) {
    auto m = nn::make_model("mlp", 1, 4, 4, 3, 11);
    nn::SGD opt(m->named_parameters(), 0.05, 0.9);
    const Tensor x = uniform_tensor({8, 1, 4, 4}, 12);
    const std::vector<int32_t> y = {0, 1, 2, 0, 1, 2, 0, 1};
    for (int s = 0; s < 4; ++s) {
      if (eager)
        m->zero_grad();  // fills every gradient with zeros
      else
        opt.zero_grad();  // lazy
      cross_entropy(m->forward(Var(x)), y).backward();
      opt.step();
    }
    std::vector<float> all;
    for (auto& [n, t] : m->state_dict()) {
      const std::vector<float> v = t.to_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  CHECK(testing::arrays_equal(run(false), run(true)));
}

TEST_CASE("a parameter no backward reaches is stepped with a zero gradient", "[nn]") {
  Var used(Tensor::from_vector({2}, {1.0f, 2.0f}), true);
  Var unused(Tensor::from_vector({2}, {3.0f, 4.0f}), true);
  nn::Adam opt({{"used", used}, {"unused", unused}}, 0.1);
  for (int s = 0; s < 2; ++s) {
    opt.zero_grad();
    sum(mul(used, used)).backward();
    opt.step();
  }
  // Adam with zero gradients leaves the parameter where it was (m = v = 0, update 0 / eps).
  CHECK(unused.data().to_vector() == std::vector<float>({3.0f, 4.0f}));
  CHECK(unused.grad().to_vector() == std::vector<float>({0.0f, 0.0f}));
  CHECK(used.data().to_vector() != std::vector<float>({1.0f, 2.0f}));
}
