// SGD and Adam against golden values computed independently (numpy float32 replaying PyTorch's
// update formulas), the parameter slab, and state export/import for a bit-identical resume.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/adam.h"
#include "nn/models.h"
#include "nn/sgd.h"
#include "test_util.h"

using namespace mp;
using namespace mp::nn;

namespace {

const std::vector<float> kP0 = {0.5f, -1.0f, 2.0f, 0.0f};
const std::vector<std::vector<float>> kGrads = {
    {0.1f, -0.2f, 0.3f, 0.0f}, {-0.4f, 0.5f, 0.05f, 1e-3f}, {0.2f, 0.2f, -0.1f, -2.0f}};

// Runs three steps with the fixed gradients; returns the parameter.
template <typename Opt>
std::vector<float> run(Opt& opt, ag::Var& p) {
  for (const auto& g : kGrads) {
    opt.zero_grad();
    p.mutable_grad().copy_from(Tensor::from_vector({4}, g));
    opt.step();
  }
  return p.data().to_vector();
}

void require_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(want[i]).epsilon(2e-6).margin(1e-9));
  }
}

}  // namespace

// Golden values: /usr/bin/python3, numpy float32, the formulas in nn/sgd.h and nn/adam.h.
TEST_CASE("SGD: plain, momentum with dampening and weight decay, nesterov", "[nn]") {
  {
    ag::Var p(Tensor::from_vector({4}, kP0), true);
    SGD opt({{"w", p}}, 0.1);
    require_close(run(opt, p), {0.51000005f, -1.04999995f, 1.97500002f, 0.199900001f});
    REQUIRE(opt.state().empty());
    REQUIRE(opt.step_count() == 3);
  }
  {
    ag::Var p(Tensor::from_vector({4}, kP0), true);
    SGD opt({{"w", p}}, 0.1, 0.9, 0.1, 0.01);
    require_close(run(opt, p), {0.52064389f, -1.04401207f, 1.90862513f, 0.179829076f});
    OptimizerState s = opt.state();
    REQUIRE(s.size() == 1);
    REQUIRE(s[0].first == "w.momentum_buffer");
    require_close(s[0].second.to_vector(),
                  {-0.0503445417f, 0.397932112f, 0.243037164f, -1.79919076f});
  }
  {
    ag::Var p(Tensor::from_vector({4}, kP0), true);
    SGD opt({{"w", p}}, 0.05, 0.9, 0.0, 0.0, true);
    require_close(run(opt, p), {0.518005013f, -1.05236006f, 1.95114005f, 0.189864516f});
  }
  ag::Var q(Tensor::from_vector({4}, kP0), true);
  REQUIRE_THROWS_AS(SGD({{"w", q}}, 0.1, 0.0, 0.0, 0.0, true), Error);
  REQUIRE_THROWS_AS(SGD({{"w", q}}, -1.0), Error);
}

TEST_CASE("Adam: bias-corrected moments as torch.optim.Adam", "[nn]") {
  {
    ag::Var p(Tensor::from_vector({4}, kP0), true);
    Adam opt({{"w", p}}, 1e-3);
    require_close(run(opt, p), {0.499669701f, -0.999985158f, 1.99784112f, -0.00010560028f});
    OptimizerState s = opt.state();
    REQUIRE(s.size() == 2);
    REQUIRE(s[0].first == "w.exp_avg");
    REQUIRE(s[1].first == "w.exp_avg_sq");
    require_close(s[0].second.to_vector(),
                  {-0.00789999776f, 0.0487999991f, 0.0188000016f, -0.199909985f});
    require_close(s[1].second.to_vector(),
                  {0.000209820035f, 0.00032967006f, 0.000102317601f, 0.00400000112f});
  }
  {
    ag::Var p(Tensor::from_vector({4}, kP0), true);
    Adam opt({{"w", p}}, 2e-4, 0.8, 0.99, 1e-6, 0.1);
    require_close(run(opt, p), {0.499874204f, -0.999913871f, 1.99946141f, -1.53152359e-05f});
  }
  {  // First step by hand: m/bc1 = g and sqrt(v/bc2) = |g|, so p moves by lr * sign(g).
    ag::Var p(Tensor::from_vector({2}, {1.0f, 1.0f}), true);
    Adam opt({{"w", p}}, 0.01, 0.9, 0.999, 0.0);
    p.mutable_grad().copy_from(Tensor::from_vector({2}, {3.0f, -0.5f}));
    opt.step();
    REQUIRE(p.data().at({0}) == Approx(0.99f).epsilon(1e-6));
    REQUIRE(p.data().at({1}) == Approx(1.01f).epsilon(1e-6));
  }
}

TEST_CASE("optimizer slab: one contiguous buffer, zero_grad clears every gradient", "[nn]") {
  auto m = make_model("cnn", 1, 28, 28, 10, 3);
  const NamedTensors before = m->state_dict();
  std::vector<std::vector<float>> values;
  for (const auto& kv : before) values.push_back(kv.second.to_vector());
  SGD opt(m->named_parameters(), 0.1);
  const NamedVars p = m->named_parameters();
  // Values are unchanged by the move into the slab; all live in one storage, in order.
  for (size_t i = 0; i < p.size(); ++i) {
    REQUIRE(mp::testing::arrays_equal(p[i].second.data().to_vector(), values[i]));
    REQUIRE(p[i].second.data().same_storage(p[0].second.data()));
    REQUIRE(p[i].second.grad().same_storage(p[0].second.grad()));
    if (i) REQUIRE(p[i].second.data().data() > p[i - 1].second.data().data());
  }
  REQUIRE(opt.slab_numel() >= m->num_parameters());
  REQUIRE(opt.slab_numel() < m->num_parameters() + 16 * static_cast<int64_t>(p.size()));
  // A backward fills the slab gradients; zero_grad clears them all.
  Tensor x = Tensor::full({2, 1, 28, 28}, 0.3f);
  ag::cross_entropy(m->forward(ag::Var(x)), std::vector<int32_t>{1, 2}).backward();
  double total = 0;
  for (const auto& kv : p)
    for (float g : kv.second.grad().to_vector()) total += std::fabs(g);
  REQUIRE(total > 0.0);
  opt.zero_grad();
  for (const auto& kv : p) {
    std::vector<float> g = kv.second.grad().to_vector();
    REQUIRE(std::all_of(g.begin(), g.end(), [](float v) { return v == 0.0f; }));
  }
  // A second optimizer re-homes the parameters; the first refuses to step.
  Adam opt2(m->named_parameters(), 1e-3);
  REQUIRE_THROWS_AS(opt.step(), Error);
  opt2.step();
}

// Trains `steps` steps of the MLP on a fixed batch.
static void train_steps(Model& m, Optimizer& opt, int steps) {
  Rng rng(5);
  Tensor x = Tensor::empty({4, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = rng.uniform(-1, 1);
  const std::vector<int32_t> t = {3, 1, 4, 1};
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    ag::cross_entropy(m.forward(ag::Var(x)), t).backward();
    opt.step();
  }
}

template <typename MakeOpt>
void check_resume(MakeOpt make_opt) {
  // Reference: 5 uninterrupted steps.
  auto ref = make_model("mlp", 1, 28, 28, 10, 11);
  auto ref_opt = make_opt(*ref);
  train_steps(*ref, *ref_opt, 5);
  // Interrupted: 3 steps, export, rebuild from another seed, import, 2 more steps.
  auto a = make_model("mlp", 1, 28, 28, 10, 11);
  auto a_opt = make_opt(*a);
  train_steps(*a, *a_opt, 3);
  NamedTensors model_state;
  for (auto& [n, t] : a->state_dict()) model_state.emplace_back(n, t.clone());
  const OptimizerState opt_state = a_opt->state();
  const int64_t steps = a_opt->step_count();
  auto b = make_model("mlp", 1, 28, 28, 10, 99);
  auto b_opt = make_opt(*b);
  b->load_state_dict(model_state);
  b_opt->load_state(opt_state, steps);
  REQUIRE(b_opt->step_count() == 3);
  train_steps(*b, *b_opt, 2);
  const NamedTensors sr = ref->state_dict(), sb = b->state_dict();
  for (size_t i = 0; i < sr.size(); ++i) {
    INFO(sr[i].first);
    // Bit-identical: a resumed run makes the same kernel calls as the uninterrupted one.
    REQUIRE(mp::testing::arrays_equal(sr[i].second.to_vector(), sb[i].second.to_vector()));
  }
}

TEST_CASE("optimizer state export/import resumes bit-identically (SGD momentum, Adam)", "[nn]") {
  SECTION("sgd") {
    check_resume([](Model& m) { return std::make_unique<SGD>(m.named_parameters(), 1e-2, 0.9); });
  }
  SECTION("adam") {
    check_resume([](Model& m) { return std::make_unique<Adam>(m.named_parameters(), 1e-3); });
  }
}

TEST_CASE("optimizer load_state checks names and shapes", "[nn]") {
  ag::Var p(Tensor::zeros({4}), true), q(Tensor::zeros({2, 3}), true);
  Adam adam({{"p", p}, {"q", q}}, 1e-3);
  OptimizerState s = adam.state();
  OptimizerState missing(s.begin(), s.end() - 1);
  REQUIRE_THROWS_WITH(adam.load_state(missing, 1), Catch::Contains("missing 'q.exp_avg_sq'"));
  OptimizerState wrong = s;
  wrong[1].second = Tensor::zeros({3, 2});
  REQUIRE_THROWS_WITH(adam.load_state(wrong, 1), Catch::Contains("'q.exp_avg' expected shape"));
  OptimizerState extra = s;
  extra.emplace_back("p.momentum_buffer", Tensor::zeros({4}));
  REQUIRE_THROWS_WITH(adam.load_state(extra, 1), Catch::Contains("unexpected entry"));
  ag::Var r(Tensor::zeros({4}), true);
  SGD sgd({{"r", r}}, 0.1, 0.9);
  REQUIRE(sgd.state().empty());  // no buffer before the first step
  REQUIRE_THROWS_AS(sgd.load_state(s, 1), Error);
  REQUIRE_THROWS_AS(SGD({{"a", r}, {"b", r}}, 0.1), Error);  // the same Var twice
}
