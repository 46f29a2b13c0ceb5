// The gradient checker itself must catch wrong gradients and name where they are.
#include <catch2/catch.hpp>

#include "ag_test_util.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/ops.h"

using namespace mp;
using namespace mp::ag;
using mp::testing::uniform_tensor;

namespace {

// y = x^2 with a deliberately wrong backward (x instead of 2x) on element 3.
Var broken_square(const Var& x) {
  Tensor X = x.data().contiguous();
  Tensor y = Tensor::empty(X.shape());
  for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] = X.data()[i] * X.data()[i];
  return record("broken_square", y, {x}, [X](const Tensor& g, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(X.shape());
    for (int64_t i = 0; i < dx.numel(); ++i)
      dx.data()[i] = g.data()[i] * X.data()[i] * (i == 3 ? 1.0f : 2.0f);
    ctx.put(0, std::move(dx));
  });
}

}  // namespace

TEST_CASE("gradcheck fails on a wrong gradient and names the input and element", "[autograd]") {
  Tensor a = uniform_tensor({2, 3}, 0.5f, 1.5f, 1), b = uniform_tensor({2, 3}, -1, 1, 2);
  GradcheckResult r =
      gradcheck([](const std::vector<Var>& v) { return v[0] + broken_square(v[1]); }, {a, b});
  REQUIRE_FALSE(r.ok);
  REQUIRE(r.checked == 12);
  INFO(r.message);
  REQUIRE(r.message.find("input 1") != std::string::npos);
  REQUIRE(r.message.find("element 3") != std::string::npos);
  REQUIRE(r.max_abs_err > 0.1);
}

TEST_CASE("gradcheck_params checks sampled coordinates and restores the parameters", "[autograd]") {
  Var W(uniform_tensor({4, 6}, -1, 1, 3), true), b(uniform_tensor({4}, -1, 1, 4), true);
  Var x(uniform_tensor({5, 6}, -1, 1, 5));
  const std::vector<int32_t> t = {0, 1, 2, 3, 1};
  W.set_grad(Tensor::full({4, 6}, 7.0f));  // an existing gradient must survive the check
  const Tensor slot = W.grad();            // ...as the same tensor (e.g. an optimizer's slab)
  const std::vector<float> w_before = W.data().to_vector();
  auto loss = [&]() { return cross_entropy(linear(x, W, b), t); };
  Rng rng(9);
  GradcheckResult r = gradcheck_params(loss, {{"fc.weight", W}, {"fc.bias", b}}, 10, rng);
  INFO(r.message);
  REQUIRE(r.ok);
  REQUIRE(r.checked == 14);  // 10 of 24 weights, all 4 biases
  REQUIRE(r.refined == 0);   // no kinks in a linear layer + cross-entropy
  REQUIRE(W.data().to_vector() == w_before);
  REQUIRE(W.grad().to_vector() == std::vector<float>(24, 7.0f));
  REQUIRE(W.grad().same_storage(slot));
  REQUIRE_FALSE(b.grad().defined());

  // A loss whose gradient the graph does not see (a detached branch) is caught.
  auto bad = [&]() { return cross_entropy(linear(x, Var(W.data()), b), t); };
  GradcheckResult r2 = gradcheck_params(bad, {{"fc.weight", W}, {"fc.bias", b}}, 10, rng);
  REQUIRE_FALSE(r2.ok);
  REQUIRE(r2.message.find("fc.weight") != std::string::npos);
}

TEST_CASE("gradcheck_params re-checks a coordinate next to a ReLU kink, still fails a wrong one",
          "[autograd]") {
  // loss = sum(relu(w)) with w[0] = 0.003: a step of 0.01 crosses the kink at 0 (central
  // difference 0.65, analytic 1), a step of 0.001 does not. w[1] = 0.5 is smooth.
  Var w(Tensor::from_vector({2}, {0.003f, 0.5f}), true);
  auto loss = [&]() { return sum(relu(w)); };
  Rng rng(1);
  GradcheckResult r = gradcheck_params(loss, {{"w", w}}, 5, rng);
  INFO(r.message);
  REQUIRE(r.ok);
  REQUIRE(r.checked == 2);
  REQUIRE(r.refined == 1);
  REQUIRE(r.message.find("1 of them re-checked with eps/10") != std::string::npos);
  // A wrong backward fails at both steps.
  Var v(Tensor::from_vector({4}, {0.5f, -0.7f, 0.9f, 1.1f}), true);
  auto wrong = [&]() { return sum(broken_square(v)); };
  GradcheckResult r2 = gradcheck_params(wrong, {{"v", v}}, 4, rng);
  REQUIRE_FALSE(r2.ok);
  REQUIRE(r2.refined == 0);
  REQUIRE(r2.message.find("element 3") != std::string::npos);
}
