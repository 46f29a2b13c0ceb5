// The recorded graph and the backward engine: accumulation, no-grad mode, graph release,
// deep chains, errors.
#include <catch2/catch.hpp>

#include "ag_test_util.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"

using namespace mp;
using namespace mp::ag;

TEST_CASE("a Var used twice accumulates both gradient contributions", "[autograd]") {
  Var x(Tensor::from_vector({3}, {1.5f, -2.0f, 0.25f}), true);
  Var y = sum(x * x + x);  // dy/dx = 2x + 1
  y.backward();
  REQUIRE(x.grad().to_vector() == std::vector<float>({4.0f, -3.0f, 1.5f}));
  // A second backward through a fresh graph adds to the existing gradient.
  Var y2 = sum(scale(x, 3.0f));
  y2.backward();
  REQUIRE(x.grad().to_vector() == std::vector<float>({7.0f, 0.0f, 4.5f}));
  x.zero_grad();
  REQUIRE(x.grad().to_vector() == std::vector<float>({0.0f, 0.0f, 0.0f}));
}

TEST_CASE("gradients reach only inputs that require them, intermediates keep none", "[autograd]") {
  Var a(Tensor::from_vector({2}, {1.0f, 2.0f}), true);
  Var b(Tensor::from_vector({2}, {3.0f, 4.0f}), false);
  Var h = a * b;
  REQUIRE(h.requires_grad());
  REQUIRE_FALSE(h.is_leaf());
  sum(h).backward();
  REQUIRE(a.grad().to_vector() == std::vector<float>({3.0f, 4.0f}));
  REQUIRE_FALSE(b.grad().defined());
  REQUIRE_FALSE(h.grad().defined());
}

TEST_CASE("no-grad mode and inputs without requires_grad record nothing", "[autograd]") {
  Var x(Tensor::from_vector({2, 2}, {1, -2, 3, -4}), true);
  {
    NoGradGuard ng;
    REQUIRE_FALSE(grad_enabled());
    Var y = relu(x * x);
    REQUIRE_FALSE(y.requires_grad());
    REQUIRE(y.grad_fn() == nullptr);
    REQUIRE_THROWS_AS(sum(y).backward(), Error);
    {
      EnableGradGuard eg;
      REQUIRE(grad_enabled());
    }
    REQUIRE_FALSE(grad_enabled());
  }
  REQUIRE(grad_enabled());
  Var c(Tensor::from_vector({2, 2}, {1, 1, 1, 1}));
  Var z = relu(c * c);
  REQUIRE(z.grad_fn() == nullptr);
  REQUIRE_FALSE(z.requires_grad());
  Var w = relu(x * c);
  REQUIRE(w.grad_fn() != nullptr);
  REQUIRE(std::string(w.grad_fn()->name()) == "relu");
}

TEST_CASE("backward frees saved tensors, a second backward through the graph is refused",
          "[autograd]") {
  Var x(Tensor::from_vector({2}, {1.0f, 2.0f}), true);
  Var y = sum(x * x);
  REQUIRE_FALSE(y.grad_fn()->released());
  y.backward();
  REQUIRE(y.grad_fn()->released());
  REQUIRE(y.grad_fn()->next()[0].fn->released());
  REQUIRE_THROWS_AS(y.backward(), Error);
}

TEST_CASE("a 100,000-op chain backpropagates and is destroyed without recursion", "[autograd]") {
  const int n = 100000;
  Var x(Tensor::from_vector({1}, {1.0f}), true);
  Var one(Tensor::from_vector({1}, {1.0f}));
  {
    Var y = x;
    for (int i = 0; i < n; ++i) y = add(y, one);
    REQUIRE(y.item() == static_cast<float>(n + 1));
    y.backward();
    REQUIRE(x.grad().item() == 1.0f);
  }  // released graph destroyed here
  {
    Var y = x;
    for (int i = 0; i < n; ++i) y = scale(y, 1.0f);
    REQUIRE(y.item() == 1.0f);
  }  // never-run graph, saved tensors and all, destroyed here
  SUCCEED("no stack overflow");
}

TEST_CASE("detach leaves the graph, mutable_data refuses in-place changes under grad mode",
          "[autograd]") {
  Var x(Tensor::from_vector({2}, {1.0f, 2.0f}), true);
  Var d = (x * x).detach();
  REQUIRE_FALSE(d.requires_grad());
  REQUIRE(d.data().to_vector() == std::vector<float>({1.0f, 4.0f}));
  REQUIRE_THROWS_AS(x.mutable_data(), Error);
  {
    NoGradGuard ng;
    x.mutable_data().data()[0] = 5.0f;
  }
  REQUIRE(x.data().to_vector() == std::vector<float>({5.0f, 2.0f}));
  REQUIRE_THROWS_AS(x.set_data(Tensor::zeros({3})), Error);
  REQUIRE_THROWS_AS(x.set_grad(Tensor::zeros({3})), Error);
  REQUIRE_THROWS_AS((x * x).set_requires_grad(false), Error);
}

TEST_CASE("backward seeds: scalar needs no seed, others need one of their shape", "[autograd]") {
  Var x(Tensor::from_vector({3}, {1.0f, 2.0f, 3.0f}), true);
  Var y = scale(x, 2.0f);
  REQUIRE_THROWS_AS(y.backward(), Error);
  REQUIRE_THROWS_AS(y.backward(Tensor::zeros({2})), Error);
  y.backward(Tensor::from_vector({3}, {1.0f, 0.0f, -1.0f}));
  REQUIRE(x.grad().to_vector() == std::vector<float>({2.0f, 0.0f, -2.0f}));
  // backward of a leaf is the identity
  Var l(Tensor::from_vector({1}, {4.0f}), true);
  l.backward();
  REQUIRE(l.grad().item() == 1.0f);
}

TEST_CASE("linear accumulates into an existing (slab-style) parameter gradient", "[autograd]") {
  using mp::testing::uniform_tensor;
  Tensor xt = uniform_tensor({5, 4}, -1, 1, 1), wt = uniform_tensor({3, 4}, -1, 1, 2),
         bt = uniform_tensor({3}, -1, 1, 3);
  // Reference: gradients into undefined .grad.
  Var x(xt), W(wt.clone(), true), b(bt.clone(), true);
  sum(linear(x, W, b)).backward();
  // Pre-existing gradients (as an optimizer's slab provides) are added to, not replaced.
  Var W2(wt.clone(), true), b2(bt.clone(), true);
  W2.set_grad(Tensor::full({3, 4}, 1.0f));
  b2.set_grad(Tensor::full({3}, 2.0f));
  sum(linear(x, W2, b2)).backward();
  // Exactly: the op computes the gradient with the same kernel call either way and adds it
  // (BackwardCtx::leaf_grad_out), so the sum is one float addition, on every BLAS kernel.
  std::vector<float> g = W.grad().to_vector(), g2 = W2.grad().to_vector();
  for (size_t i = 0; i < g.size(); ++i) REQUIRE(g2[i] == g[i] + 1.0f);
  std::vector<float> gb = b.grad().to_vector(), gb2 = b2.grad().to_vector();
  for (size_t i = 0; i < gb.size(); ++i) REQUIRE(gb2[i] == gb[i] + 2.0f);
  REQUIRE(gb[0] == 5.0f);  // d(sum)/db = batch size
}

TEST_CASE("op input errors are reported as mp::Error", "[autograd]") {
  Var a(Tensor::zeros({2, 3})), b(Tensor::zeros({4, 5}));
  REQUIRE_THROWS_AS(matmul(a, b), Error);
  REQUIRE_THROWS_AS(linear(a, b, Var()), Error);
  REQUIRE_THROWS_AS(add(a, b), Error);
  REQUIRE_THROWS_AS(conv2d(a, b, Var()), Error);
  REQUIRE_THROWS_AS(max_pool2d(a, 2, 2), Error);
  REQUIRE_THROWS_AS(cross_entropy(a, std::vector<int32_t>{0}), Error);
  REQUIRE_THROWS_AS(cross_entropy(a, std::vector<int32_t>{0, 7}), Error);
  REQUIRE_THROWS_AS(reshape(a, {4, 2}), Error);
  REQUIRE_THROWS_AS(sum(a, 2), Error);
  Rng rng(1);
  REQUIRE_THROWS_AS(dropout(a, 1.0f, true, rng), Error);
}
