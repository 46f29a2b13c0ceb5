// Lazy zero_grad (Var::zero_grad_lazy, used by Optimizer::zero_grad): the gradient reads as
// zeros, the next backward overwrites it instead of accumulating (through the engine, the
// Linear/conv weight paths, and a parameter used twice). The optimizer side is in
// tests/nn/test_optim_lazy_zero.cpp.
#include <catch2/catch.hpp>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "tensor/rng.h"
#include "test_util.h"

using namespace mp;
using namespace mp::ag;

namespace {

using mp::testing::uniform_tensor;

// Gradients of x through f, computed from a clean (undefined) gradient.
template <typename F>
std::vector<float> fresh_grad(const Tensor& x0, F f) {
  Var x(x0.clone(), true);
  f(x).backward();
  return x.grad().to_vector();
}

}  // namespace

TEST_CASE("zero_grad_lazy reads as zeros and is overwritten by the next backward", "[autograd]") {
  Var x(Tensor::from_vector({3}, {1.0f, -2.0f, 3.0f}), true);
  sum(mul(x, x)).backward();  // grad = 2x
  REQUIRE(x.grad().to_vector() == std::vector<float>({2.0f, -4.0f, 6.0f}));
  x.zero_grad_lazy();
  CHECK(x.impl()->grad_zero_pending);
  CHECK(x.grad().to_vector() == std::vector<float>({0.0f, 0.0f, 0.0f}));  // filled on read
  CHECK_FALSE(x.impl()->grad_zero_pending);

  // Not read this time: the engine's leaf accumulation must copy, not add to the stale 2x.
  sum(mul(x, x)).backward();
  x.zero_grad_lazy();
  sum(scale(x, 3.0f)).backward();
  CHECK(x.grad().to_vector() == std::vector<float>({3.0f, 3.0f, 3.0f}));
}

TEST_CASE("lazily zeroed Linear and conv parameters get exactly the fresh gradient", "[autograd]") {
  const Tensor xin = uniform_tensor({4, 6}, 1), W0 = uniform_tensor({5, 6}, 2),
               b0 = uniform_tensor({5}, 3);
  Var W(W0.clone(), true), b(b0.clone(), true);
  Var x(xin);
  sum(linear_relu(x, W, b)).backward();
  const std::vector<float> gW = W.grad().to_vector(), gb = b.grad().to_vector();
  sum(linear_relu(x, W, b)).backward();  // accumulates: 2x
  W.zero_grad_lazy();
  b.zero_grad_lazy();
  sum(linear_relu(x, W, b)).backward();
  CHECK(W.grad().to_vector() == gW);
  CHECK(b.grad().to_vector() == gb);

  const Tensor img = uniform_tensor({2, 3, 5, 5}, 4), k0 = uniform_tensor({4, 3, 3, 3}, 5),
               kb0 = uniform_tensor({4}, 6);
  Var k(k0.clone(), true), kb(kb0.clone(), true);
  sum(conv2d_relu(Var(img), k, kb, 1, 1)).backward();
  const std::vector<float> gk = k.grad().to_vector(), gkb = kb.grad().to_vector();
  sum(conv2d_relu(Var(img), k, kb, 1, 1)).backward();
  k.zero_grad_lazy();
  kb.zero_grad_lazy();
  sum(conv2d_relu(Var(img), k, kb, 1, 1)).backward();
  CHECK(k.grad().to_vector() == gk);
  CHECK(kb.grad().to_vector() == gkb);
}

TEST_CASE("a lazily zeroed parameter used twice sums both uses", "[autograd]") {
  const Tensor x0 = uniform_tensor({3, 4}, 7), W0 = uniform_tensor({4, 4}, 8);
  auto f = [&](const Var& W) {  // W feeds two Linear layers: the second use must accumulate
    Var h = linear_relu(Var(x0), W, Var());
    return sum(linear(h, W, Var()));
  };
  const std::vector<float> want = fresh_grad(W0, f);
  Var W(W0.clone(), true);
  f(W).backward();
  W.zero_grad_lazy();
  f(W).backward();
  CHECK(W.grad().to_vector() == want);
}
