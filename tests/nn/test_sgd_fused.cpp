// SGD with its update fused into the backward pass (Optimizer::set_fused, autograd/grad_sink.h):
// parameters and momenta bit-identical to backward-then-step, for every SGD option, with fused
// and unfused parameters in one model; a parameter used twice in one step is refused; the
// consumed gradients cannot be read; and an optimizer that goes away leaves no sink behind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <memory>

#include "autograd/ops.h"
#include "nn/models.h"
#include "nn/sgd.h"
#include "tensor/gemm_thin.h"
#include "tensor/threads.h"
#include "test_util.h"

using namespace mp;
using namespace mp::ag;

namespace {

using mp::testing::uniform_tensor;

// The weight gradients of the study's MLP at this batch go through the thin kernel here (AVX-512)
// and so to the sinks; elsewhere nothing is fused and the comparisons hold trivially.
bool thin_weight_gradients() {
  return std::strcmp(sgemm_auto_path(true, false, 2048, 2048, 8, 1.0f, 0.0f), "thin_tn") == 0;
}

// Every tensor's values, in order.
std::vector<float> flatten(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<float> all;
  for (const auto& [n, t] : named) {
    const std::vector<float> v = t.to_vector();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

// One 32 x 64 weight (a thin-kernel weight gradient at batch 4) under fused SGD.
struct FusedWeight {
  Var W{uniform_tensor({32, 64}, 3), true};
  nn::SGD opt{{{"w", W}}, 0.1, 0.9};
  FusedWeight() { REQUIRE(opt.set_fused(true)); }
};

struct SgdCase {
  double momentum, dampening, weight_decay;
  bool nesterov;
};

// Four steps of the MLP (16 inputs, so fc1's gradient (N = 16) and the 3-wide output layer's
// stay on the unfused path) on one batch of 8; every value and momentum afterwards, in order.
std::vector<float> train_mlp(const SgdCase& c, bool fused, std::vector<std::string>* consumed) {
  auto m = nn::make_model("mlp", 1, 4, 4, 3, 11);
  nn::SGD opt(m->named_parameters(), 0.05, c.momentum, c.dampening, c.weight_decay, c.nesterov);
  REQUIRE(opt.set_fused(fused));
  const Tensor x = uniform_tensor({8, 1, 4, 4}, 12);
  const std::vector<int32_t> y = {0, 1, 2, 0, 1, 2, 0, 1};
  for (int s = 0; s < 4; ++s) {
    opt.zero_grad();
    cross_entropy(m->forward(Var(x)), y).backward();
    opt.step();
  }
  if (consumed) {
    for (const auto& [name, p] : m->named_parameters())
      if (p.grad_consumed()) consumed->push_back(name);
  }
  std::vector<float> all = flatten(m->state_dict());
  const std::vector<float> momenta = flatten(opt.state());
  all.insert(all.end(), momenta.begin(), momenta.end());
  return all;
}

}  // namespace

TEST_CASE("fused SGD equals backward then step bit for bit, for every option", "[nn]") {
  const SgdCase cases[] = {{0.9, 0.0, 0.0, false},
                           {0.9, 0.0, 1e-3, true},
                           {0.5, 0.25, 1e-2, false},
                           {0.0, 0.0, 0.0, false}};
  const int saved = num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const SgdCase& c : cases) {
      INFO("momentum " << c.momentum << " dampening " << c.dampening << " weight decay "
                       << c.weight_decay << " nesterov " << c.nesterov << " threads " << threads);
      std::vector<std::string> consumed;
      const std::vector<float> fused = train_mlp(c, true, &consumed);
      const std::vector<float> plain = train_mlp(c, false, nullptr);
      REQUIRE(fused.size() == plain.size());
      CHECK(testing::arrays_equal(fused, plain));
      if (thin_weight_gradients()) {
        // fc2-fc4 weights and every hidden bias went to the sinks; fc1's weight (16 inputs) and
        // the output layer's (3 rows) went through step(): both paths in one model.
        const auto has = [&](const std::string& n) {
          return std::find(consumed.begin(), consumed.end(), n) != consumed.end();
        };
        CHECK(has("fc4.weight"));
        CHECK(has("fc2.weight"));
        CHECK(has("fc1.bias"));
        CHECK_FALSE(has("fc1.weight"));
        CHECK_FALSE(has("out.weight"));
      } else {
        CHECK(consumed.empty());
      }
    }
  }
  set_num_threads(saved);
}

TEST_CASE("a fused update refuses a parameter used twice and hides the gradient it consumed",
          "[nn]") {
  if (!thin_weight_gradients()) {
    SUCCEED("no thin weight-gradient kernel on this CPU: nothing is fused");
    return;
  }
  FusedWeight f;
  Var& W = f.W;
  nn::SGD& opt = f.opt;
  SECTION("a parameter used twice in one step") {
    const Var x(uniform_tensor({4, 64}, 4)), x2(uniform_tensor({4, 64}, 5));
    opt.zero_grad();
    Var loss = add(sum(linear(x, W, Var())), sum(linear(x2, W, Var())));
    CHECK_THROWS_WITH(loss.backward(), Catch::Contains("used twice"));
    // Unfused, the same graph trains.
    REQUIRE(opt.set_fused(false));
    opt.zero_grad();
    add(sum(linear(x, W, Var())), sum(linear(x2, W, Var()))).backward();
    CHECK_NOTHROW(opt.step());
  }
  SECTION("a consumed gradient cannot be read until zero_grad") {
    const Var x(uniform_tensor({4, 64}, 4));
    opt.zero_grad();
    sum(linear(x, W, Var())).backward();
    REQUIRE(W.grad_consumed());
    CHECK_THROWS_WITH(W.grad(), Catch::Contains("fused optimizer update"));
    const std::vector<float> updated = W.data().to_vector();
    REQUIRE(updated != uniform_tensor({32, 64}, 3).to_vector());  // the backward updated W
    opt.step();
    CHECK(W.data().to_vector() == updated);  // and step() did not update it a second time
    opt.zero_grad();
    CHECK_FALSE(W.grad_consumed());
    CHECK(W.grad().to_vector() == std::vector<float>(32 * 64, 0.0f));  // the deferred zeros
  }
}

TEST_CASE("an optimizer that goes away leaves no sink behind, and a newer one keeps its own",
          "[nn]") {
  // The edit-mode trainer replaces its optimizer: the new one is built (and re-homes the
  // parameters) before the old one is destroyed. Training on with the new one must equal a
  // run that only ever had it.
  auto run = [](bool replaced) {
    auto m = nn::make_model("mlp", 1, 4, 4, 3, 11);
    const Tensor x = uniform_tensor({8, 1, 4, 4}, 12);
    const std::vector<int32_t> y = {0, 1, 2, 0, 1, 2, 0, 1};
    auto opt = std::make_unique<nn::SGD>(m->named_parameters(), 0.05, 0.9);
    opt->set_fused(true);
    if (replaced) {
      auto fresh = std::make_unique<nn::SGD>(m->named_parameters(), 0.05, 0.9);
      fresh->set_fused(true);
      opt = std::move(fresh);  // the old one is destroyed after the new one set its sinks
    }
    for (int s = 0; s < 3; ++s) {
      opt->zero_grad();
      cross_entropy(m->forward(Var(x)), y).backward();
      opt->step();
    }
    return flatten(m->state_dict());
  };
  CHECK(testing::arrays_equal(run(true), run(false)));
  // And without any optimizer left, a backward stores gradients as usual.
  auto m = nn::make_model("mlp", 1, 4, 4, 3, 11);
  {
    nn::SGD opt(m->named_parameters(), 0.05, 0.9);
    opt.set_fused(true);
    opt.zero_grad();
  }
  cross_entropy(m->forward(Var(uniform_tensor({8, 1, 4, 4}, 12))), {0, 1, 2, 0, 1, 2, 0, 1})
      .backward();
  for (const auto& [name, p] : m->named_parameters()) {
    INFO(name);
    CHECK_FALSE(p.grad_consumed());
  }
}
