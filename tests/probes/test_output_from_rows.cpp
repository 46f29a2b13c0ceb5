// output_layer_logits (probes/model_eval.h): the output layer applied to the last hidden layer's
// rows, as collect_activations returns them, gives the logits of a full forward pass bit for bit,
// for every model, before and after the transfer's edit. This is the argument that lets
// `dynamics` and `transfer` take the model's and the edited model's predictions from the probes'
// own activation pass instead of running passes of their own (apps/study/analysis.cpp).
#include <catch2/catch.hpp>

#include <cstring>

#include "autograd/grad_mode.h"
#include "data/loader.h"
#include "nn/models.h"
#include "probes/model_eval.h"
#include "probes/transfer.h"
#include "tensor/rng.h"

using namespace mp;

namespace {

data::ImageSet random_set(int64_t n, int64_t c, int64_t hw, int K, uint32_t seed) {
  data::ImageSet s;
  s.n = n;
  s.c = static_cast<int>(c);
  s.h = static_cast<int>(hw);
  s.w = static_cast<int>(hw);
  s.num_classes = K;
  Rng rng(seed);
  s.pixels.resize(static_cast<size_t>(n * c * hw * hw));
  for (auto& p : s.pixels) p = static_cast<uint8_t>(rng.randint(256));
  for (int64_t i = 0; i < n; ++i) s.labels.push_back(static_cast<int32_t>(rng.randint(K)));
  return s;
}

// The logits of full forward passes over `set`, `batch` images at a time, in evaluation mode:
// what evaluate_model computes its predictions from.
probes::Matrix forward_logits(nn::Model& m, const data::ImageSet& set, int64_t batch) {
  m.eval();
  ag::NoGradGuard no_grad;
  probes::Matrix out;
  for (int64_t b = 0; b < set.n; b += batch) {
    const int64_t n = std::min(batch, set.n - b);
    Tensor x = Tensor::empty({n, set.c, set.h, set.w});
    data::normalize_images(set, b, n, data::Normalization{}, x.data());
    const Tensor y = m.forward(ag::Var(x)).data().contiguous();
    out.append_rows(y.data(), n, y.size(1));
  }
  return out;
}

bool same_bits(const probes::Matrix& a, const probes::Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE(
    "output layer on collected rows: the forward pass's logits bit for bit, every model, "
    "before and after the edit",
    "[probes][transfer]") {
  struct Case {
    const char* arch;
    int64_t c, hw;
  };
  // 37 images in batches of 16: two full batches and a partial one, as a real set's tail.
  const int64_t n = 37, batch = 16;
  for (const Case& k :
       {Case{"mlp", 1, 28}, Case{"cnn", 3, 32}, Case{"resnet18", 3, 32}, Case{"alexnet", 3, 32}}) {
    INFO(k.arch);
    const int K = 10;
    auto model = nn::make_model(k.arch, k.c, k.hw, k.hw, K, 7);
    const data::ImageSet set = random_set(n, k.c, k.hw, K, 11);
    const std::string layer = model->last_hidden_layer();

    std::vector<int32_t> pass_pred;
    auto acts = probes::collect_activations(*model, set, {}, {layer}, &pass_pred, batch);
    const probes::Matrix& h = acts.at(layer);
    REQUIRE(h.rows == n);
    const probes::Matrix full = forward_logits(*model, set, batch);
    CHECK(same_bits(probes::output_layer_logits(*model, h, batch), full));
    const std::vector<int32_t> eval_pred =
        probes::evaluate_model(*model, set, {}, nullptr, batch).predictions;
    CHECK(probes::output_layer_predictions(*model, h, batch) == eval_pred);
    CHECK(pass_pred == eval_pred);  // the tapped pass predicts as the plain one

    // The edited model (the linear probe written into the output layer, bias zero): its own
    // forward pass and the output layer on the same rows still agree bit for bit.
    probes::edit_output_layer(*model, h, set.labels, K, true);
    CHECK(same_bits(probes::output_layer_logits(*model, h, batch),
                    forward_logits(*model, set, batch)));
    CHECK(probes::output_layer_predictions(*model, h, batch) ==
          probes::evaluate_model(*model, set, {}, nullptr, batch).predictions);
  }
}

TEST_CASE("output layer on collected rows: rows of the wrong width are one error naming the layer",
          "[probes][transfer]") {
  auto model = nn::make_model("mlp", 1, 28, 28, 10, 1);
  probes::Matrix wrong(4, 7);
  CHECK_THROWS_WITH(probes::output_layer_logits(*model, wrong),
                    Catch::Contains("width 7") && Catch::Contains("out"));
}

TEST_CASE("transfer with the linear probe already fitted: the edit fitting it there makes",
          "[probes][transfer]") {
  const int K = 10;
  const data::ImageSet set = random_set(37, 1, 28, K, 13);
  auto fitted_here = nn::make_model("mlp", 1, 28, 28, K, 7);
  auto given = nn::make_model("mlp", 1, 28, 28, K, 7);
  const std::string layer = fitted_here->last_hidden_layer();
  const probes::Matrix h = probes::collect_activations(*fitted_here, set, {}, {layer}).at(layer);
  const probes::TransferResult a = probes::edit_output_layer(*fitted_here, h, set.labels, K, true);
  const probes::LinearProbe probe =
      probes::fit_linear_probe(h.data.data(), h.rows, h.cols, set.labels.data(), K);
  const probes::TransferResult b = probes::edit_output_layer(*given, h, probe, true);
  CHECK(b.probe.W == a.probe.W);
  CHECK(b.probe_train_pred == a.probe_train_pred);
  CHECK(same_bits(probes::output_layer_logits(*given, h),
                  probes::output_layer_logits(*fitted_here, h)));
  // A probe of another width is refused before the model is touched.
  probes::LinearProbe narrow = probe;
  narrow.dim = h.cols - 1;
  narrow.W.resize(static_cast<size_t>(K * narrow.dim));
  const probes::Matrix before = probes::output_layer_logits(*given, h);
  CHECK_THROWS_WITH(probes::edit_output_layer(*given, h, narrow, true),
                    Catch::Contains("probe is " + std::to_string(h.cols - 1) + " wide"));
  CHECK(same_bits(probes::output_layer_logits(*given, h), before));
}
