// A finite-difference gradient check for every differentiable op, on small odd shapes with
// inputs kept away from kinks by construction (see ag_test_util.h).
#include <catch2/catch.hpp>

#include "ag_test_util.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"

using namespace mp;
using namespace mp::ag;
using mp::testing::away_from_zero;
using mp::testing::distinct_values;
using mp::testing::uniform_tensor;
using Inputs = std::vector<Var>;

#define REQUIRE_GRADCHECK(...)          \
  do {                                  \
    GradcheckResult r_ = (__VA_ARGS__); \
    INFO(r_.message);                   \
    REQUIRE(r_.ok);                     \
    REQUIRE(r_.checked > 0);            \
  } while (0)

TEST_CASE("gradcheck: matmul in all four transpose combinations", "[autograd]") {
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      Shape sa = ta ? Shape{5, 3} : Shape{3, 5};
      Shape sb = tb ? Shape{4, 5} : Shape{5, 4};
      INFO("trans_a " << ta << " trans_b " << tb);
      REQUIRE_GRADCHECK(
          gradcheck([&](const Inputs& v) { return matmul(v[0], v[1], ta != 0, tb != 0); },
                    {uniform_tensor(sa, -1, 1, 11), uniform_tensor(sb, -1, 1, 12)}));
    }
}

TEST_CASE("gradcheck: linear with and without bias", "[autograd]") {
  Tensor x = uniform_tensor({5, 7}, -1, 1, 1), W = uniform_tensor({3, 7}, -1, 1, 2),
         b = uniform_tensor({3}, -1, 1, 3);
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return linear(v[0], v[1], v[2]); }, {x, W, b}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return linear(v[0], v[1], Var()); }, {x, W}));
}

TEST_CASE("gradcheck: linear_relu, with units both active and dead", "[autograd]") {
  // |x . w| <= 7 * 0.3 * 0.3 = 0.63, bias +-1.5: every pre-activation is >= 0.87 from the kink.
  Tensor x = uniform_tensor({5, 7}, -0.3f, 0.3f, 4), W = uniform_tensor({4, 7}, -0.3f, 0.3f, 5);
  Tensor b = Tensor::from_vector({4}, {1.5f, -1.5f, 1.5f, -1.5f});
  REQUIRE_GRADCHECK(
      gradcheck([](const Inputs& v) { return linear_relu(v[0], v[1], v[2]); }, {x, W, b}));
  // A bias-free fused layer: x, W of one sign per row keep the products away from zero.
  Tensor xp = uniform_tensor({3, 4}, 0.2f, 1.0f, 6), Wp = uniform_tensor({2, 4}, 0.2f, 1.0f, 7);
  for (int i = 0; i < 4; ++i) Wp.data()[4 + i] = -Wp.data()[4 + i];  // unit 1 is dead
  REQUIRE_GRADCHECK(
      gradcheck([](const Inputs& v) { return linear_relu(v[0], v[1], Var()); }, {xp, Wp}));
}

TEST_CASE("gradcheck: broadcasting add, sub, mul, div", "[autograd]") {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 3, 1}, {1, 5}}, {{3}, {2, 1, 3}}, {{2, 3}, {}}};
  for (const auto& [sa, sb] : cases) {
    INFO(sa.str() << " with " << sb.str());
    Tensor a = uniform_tensor(sa, -1, 1, 21), b = uniform_tensor(sb, -1, 1, 22);
    Tensor bpos = uniform_tensor(sb, 0.5f, 1.5f, 23);  // divisor away from 0
    REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return v[0] + v[1]; }, {a, b}));
    REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return v[0] - v[1]; }, {a, b}));
    REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return v[0] * v[1]; }, {a, b}));
    REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return v[0] / v[1]; }, {a, bpos}));
  }
}

TEST_CASE("gradcheck: scale and relu", "[autograd]") {
  Tensor x = away_from_zero({3, 5}, 31);
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return scale(v[0], -2.5f); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return relu(v[0]); }, {x}));
}

TEST_CASE("gradcheck: sums and means, whole and along a dimension", "[autograd]") {
  Tensor x = uniform_tensor({3, 4, 5}, -1, 1, 41);
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return sum(v[0]); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return mean(v[0]); }, {x}));
  for (int d : {0, 1, 2, -1})
    for (bool keep : {false, true}) {
      INFO("dim " << d << " keepdim " << keep);
      REQUIRE_GRADCHECK(gradcheck([=](const Inputs& v) { return sum(v[0], d, keep); }, {x}));
      REQUIRE_GRADCHECK(gradcheck([=](const Inputs& v) { return mean(v[0], d, keep); }, {x}));
    }
}

TEST_CASE("gradcheck: reshape, flatten, transpose", "[autograd]") {
  Tensor x = uniform_tensor({2, 3, 5}, -1, 1, 51);
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return reshape(v[0], {5, 6}); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return flatten(v[0]); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return flatten(v[0], 0); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return transpose(v[0], 0, 2); }, {x}));
  // A transposed view feeding an op that needs contiguous data.
  Tensor w = uniform_tensor({3, 4}, -1, 1, 52), m = uniform_tensor({3, 2}, -1, 1, 53);
  REQUIRE_GRADCHECK(
      gradcheck([](const Inputs& v) { return matmul(transpose(v[0], 0, 1), v[1]); }, {w, m}));
}

TEST_CASE("gradcheck: conv2d over strides, padding, bias", "[autograd]") {
  struct Case {
    int64_t N, C, H, W, OC, K, stride, pad;
  };
  // 3x3 stride-1 pad-1 runs the direct kernels (a 1-channel first layer included), the rest
  // im2col + sgemm.
  for (Case c :
       {Case{2, 3, 5, 6, 4, 3, 1, 1}, Case{2, 1, 6, 5, 3, 3, 1, 1}, Case{1, 2, 7, 5, 3, 3, 2, 0},
        Case{2, 1, 4, 4, 2, 2, 2, 1}, Case{1, 2, 3, 3, 2, 1, 1, 0}}) {
    INFO("N" << c.N << " C" << c.C << " " << c.H << "x" << c.W << " OC" << c.OC << " K" << c.K
             << " s" << c.stride << " p" << c.pad);
    Tensor x = uniform_tensor({c.N, c.C, c.H, c.W}, -1, 1, 61);
    Tensor w = uniform_tensor({c.OC, c.C, c.K, c.K}, -1, 1, 62);
    Tensor b = uniform_tensor({c.OC}, -1, 1, 63);
    REQUIRE_GRADCHECK(gradcheck(
        [&](const Inputs& v) { return conv2d(v[0], v[1], v[2], c.stride, c.pad); }, {x, w, b}));
    REQUIRE_GRADCHECK(gradcheck(
        [&](const Inputs& v) { return conv2d(v[0], v[1], Var(), c.stride, c.pad); }, {x, w}));
  }
}

TEST_CASE("gradcheck: conv2d_relu with channels both active and dead", "[autograd]") {
  // |conv| <= 2*3*3 * 0.3*0.3 = 1.62 < 2.5 = |bias|: the sign of every output is the bias's.
  Tensor x = uniform_tensor({2, 2, 5, 4}, -0.3f, 0.3f, 71);
  Tensor w = uniform_tensor({3, 2, 3, 3}, -0.3f, 0.3f, 72);
  Tensor b = Tensor::from_vector({3}, {2.5f, -2.5f, 2.5f});
  REQUIRE_GRADCHECK(
      gradcheck([](const Inputs& v) { return conv2d_relu(v[0], v[1], v[2], 1, 1); }, {x, w, b}));
}

TEST_CASE("gradcheck: max, average and global average pooling", "[autograd]") {
  Tensor x = distinct_values({2, 3, 7, 6}, 81);  // distinct values: no ties to flip
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return max_pool2d(v[0], 2, 2); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return max_pool2d(v[0], 3, 2, 1); }, {x}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return max_pool2d(v[0], 3, 1, 1); }, {x}));
  Tensor y = uniform_tensor({2, 3, 7, 6}, -1, 1, 82);
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return avg_pool2d(v[0], 2, 2); }, {y}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return avg_pool2d(v[0], 3, 2, 1); }, {y}));
  REQUIRE_GRADCHECK(gradcheck([](const Inputs& v) { return global_avg_pool(v[0]); }, {y}));
}

TEST_CASE("gradcheck: batch_norm2d in training and evaluation mode", "[autograd]") {
  Tensor x = uniform_tensor({3, 2, 3, 4}, -1, 2, 91);
  Tensor gamma = uniform_tensor({2}, 0.5f, 1.5f, 92), beta = uniform_tensor({2}, -1, 1, 93);
  Tensor rm = Tensor::from_vector({2}, {0.2f, -0.1f}), rv = Tensor::from_vector({2}, {0.8f, 1.3f});
  REQUIRE_GRADCHECK(
      gradcheck([&](const Inputs& v) { return batch_norm2d(v[0], v[1], v[2], rm, rv, true); },
                {x, gamma, beta}));
  Tensor rm2 = Tensor::from_vector({2}, {0.2f, -0.1f}),
         rv2 = Tensor::from_vector({2}, {0.8f, 1.3f});
  REQUIRE_GRADCHECK(
      gradcheck([&](const Inputs& v) { return batch_norm2d(v[0], v[1], v[2], rm2, rv2, false); },
                {x, gamma, beta}));
  REQUIRE(rm2.to_vector() == std::vector<float>({0.2f, -0.1f}));  // eval leaves stats alone
}

TEST_CASE("batch_norm2d updates running statistics like PyTorch", "[autograd]") {
  // Channel 0 holds {1,2,3,4}, channel 1 holds {0,0,2,2}: means 2.5 and 1, biased variances
  // 1.25 and 1, unbiased 5/3 and 4/3. running = 0.9 * running + 0.1 * batch.
  Var x(Tensor::from_vector({2, 2, 1, 2}, {1, 2, 0, 0, 3, 4, 2, 2}));
  Var g(Tensor::full({2}, 1.0f)), b(Tensor::zeros({2}));
  Tensor rm = Tensor::zeros({2}), rv = Tensor::full({2}, 1.0f);
  Var y = batch_norm2d(x, g, b, rm, rv, true, 0.1f, 1e-5f);
  REQUIRE(rm.at({0}) == Approx(0.25f));
  REQUIRE(rm.at({1}) == Approx(0.1f));
  REQUIRE(rv.at({0}) == Approx(0.9f + 0.1f * 5.0f / 3.0f));
  REQUIRE(rv.at({1}) == Approx(0.9f + 0.1f * 4.0f / 3.0f));
  REQUIRE(y.data().at({0, 0, 0, 0}) == Approx(-1.5f / std::sqrt(1.25f + 1e-5f)));
}

TEST_CASE("gradcheck: dropout with a fixed mask, identity when not training", "[autograd]") {
  Tensor x = uniform_tensor({4, 5}, -1, 1, 101);
  REQUIRE_GRADCHECK(gradcheck(
      [](const Inputs& v) {
        Rng rng(7);  // the same mask on every call
        return dropout(v[0], 0.3f, true, rng);
      },
      {x}));
  Rng rng(7);
  Var xv(x);
  Var y = dropout(xv, 0.3f, false, rng);
  REQUIRE(y.same(xv));
  Var z = dropout(xv, 0.5f, true, rng);
  int zeros = 0;
  for (int64_t i = 0; i < z.numel(); ++i) {
    const float v = z.data().data()[i];
    if (v == 0.0f)
      ++zeros;
    else
      REQUIRE(v == 2.0f * x.data()[i]);
  }
  REQUIRE(zeros > 0);
  REQUIRE(zeros < 20);
}

TEST_CASE("gradcheck: cross_entropy, and its value against a hand computation", "[autograd]") {
  Tensor logits = uniform_tensor({5, 4}, -2, 2, 111);
  const std::vector<int32_t> t = {0, 3, 1, 1, 2};
  REQUIRE_GRADCHECK(gradcheck([&](const Inputs& v) { return cross_entropy(v[0], t); }, {logits}));
  // logits [[0, ln 3], [ln 2, 0]], targets {1, 1}: losses -log(3/4) and -log(1/3).
  Var l(Tensor::from_vector({2, 2}, {0.0f, std::log(3.0f), std::log(2.0f), 0.0f}), true);
  Var loss = cross_entropy(l, std::vector<int32_t>{1, 1});
  REQUIRE(loss.ndim() == 0);
  REQUIRE(loss.item() == Approx(0.5 * (-std::log(0.75) - std::log(1.0 / 3.0))).epsilon(1e-6));
  loss.backward();
  // d/dlogits = (softmax - onehot) / B
  std::vector<float> g = l.grad().to_vector();
  REQUIRE(g[0] == Approx(0.25 / 2).epsilon(1e-5));
  REQUIRE(g[1] == Approx(-0.25 / 2).epsilon(1e-5));
  REQUIRE(g[2] == Approx((2.0 / 3.0) / 2).epsilon(1e-5));
  REQUIRE(g[3] == Approx((1.0 / 3.0 - 1.0) / 2).epsilon(1e-5));
}

TEST_CASE("gradcheck: a composed network (conv, pool, flatten, linear, loss)", "[autograd]") {
  Tensor x = uniform_tensor({2, 1, 6, 6}, -1, 1, 121);
  Tensor w = uniform_tensor({2, 1, 3, 3}, -1, 1, 122), b = uniform_tensor({2}, -1, 1, 123);
  Tensor W = uniform_tensor({3, 8}, -1, 1, 124);
  const std::vector<int32_t> t = {2, 0};
  REQUIRE_GRADCHECK(gradcheck(
      [&](const Inputs& v) {
        Var h = avg_pool2d(conv2d(v[0], v[1], v[2], 1, 1), 3, 3);  // [2,2,2,2]
        return cross_entropy(linear(flatten(h), v[3], Var()), t);
      },
      {x, w, b, W}));
}
