#include "probes/model_eval.h"

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "tensor/reduce.h"
#include "tensor/softmax.h"

namespace mp::probes {

namespace {

// Puts the model in eval mode for the scope and restores the previous mode.
struct EvalScope {
  nn::Model& m;
  bool was_training;
  explicit EvalScope(nn::Model& model) : m(model), was_training(model.is_training()) { m.eval(); }
  ~EvalScope() { m.train(was_training); }
};

Tensor batch_input(const data::ImageSet& set, int64_t begin, int64_t count,
                   const data::Normalization& norm, Tensor& buf) {
  const Shape shape{count, set.c, set.h, set.w};
  if (!buf.defined() || buf.shape() != shape) buf = Tensor::empty(shape);
  data::normalize_images(set, begin, count, norm, buf.data());
  return buf;
}

}  // namespace

EvalResult evaluate_model(nn::Model& model, const data::ImageSet& set,
                          const data::Normalization& norm, const std::vector<int32_t>* loss_labels,
                          int64_t batch) {
  MP_CHECK(!loss_labels || static_cast<int64_t>(loss_labels->size()) == set.n,
           "evaluate_model: " << loss_labels->size() << " labels for " << set.n << " images");
  EvalScope scope(model);
  ag::NoGradGuard no_grad;
  EvalResult r;
  r.predictions.resize(static_cast<size_t>(set.n));
  Tensor buf, probs;
  double loss_sum = 0;
  for (int64_t b = 0; b < set.n; b += batch) {
    const int64_t n = std::min(batch, set.n - b);
    ag::Var logits = model.forward(ag::Var(batch_input(set, b, n, norm, buf)));
    const Tensor& y = logits.data();
    const int64_t K = y.size(1);
    std::vector<int32_t> pred = argmax_rows(y.data(), n, K);
    std::copy(pred.begin(), pred.end(), r.predictions.begin() + b);
    if (loss_labels) {
      if (!probs.defined() || probs.numel() != n * K) probs = Tensor::empty({n, K});
      loss_sum += cross_entropy_fwd(y.data(), loss_labels->data() + b, n, K, probs.data()) * n;
    }
  }
  r.mean_loss = set.n ? loss_sum / static_cast<double>(set.n) : 0.0;
  return r;
}

double accuracy(const std::vector<int32_t>& pred, const std::vector<int32_t>& labels) {
  MP_CHECK(pred.size() == labels.size(),
           "accuracy: " << pred.size() << " predictions for " << labels.size() << " labels");
  if (pred.empty()) return 0.0;
  int64_t ok = 0;
  for (size_t i = 0; i < pred.size(); ++i) ok += pred[i] == labels[i];
  return static_cast<double>(ok) / static_cast<double>(pred.size());
}

std::map<std::string, Matrix> collect_activations(nn::Model& model, const data::ImageSet& set,
                                                  const data::Normalization& norm,
                                                  const std::vector<std::string>& layers,
                                                  std::vector<int32_t>* predictions,
                                                  int64_t batch) {
  EvalScope scope(model);
  ag::NoGradGuard no_grad;
  std::map<std::string, Matrix> out;
  Tensor buf;
  std::map<std::string, Tensor> taps;
  if (predictions) predictions->assign(static_cast<size_t>(set.n), 0);
  for (int64_t b = 0; b < set.n; b += batch) {
    const int64_t n = std::min(batch, set.n - b);
    taps.clear();
    ag::Var logits = model.forward_taps(ag::Var(batch_input(set, b, n, norm, buf)), layers, &taps);
    for (const std::string& name : layers) {
      auto it = taps.find(name);
      MP_CHECK(it != taps.end(), "model has no layer '" << name << "'");
      Tensor a = it->second.contiguous();
      const int64_t d = a.numel() / n;
      Matrix& m = out[name];
      if (m.rows == 0) {
        m.cols = d;
        m.data.reserve(static_cast<size_t>(set.n * d));
      }
      m.append_rows(a.data(), n, d);
    }
    if (predictions) {
      const Tensor& y = logits.data();
      std::vector<int32_t> pred = argmax_rows(y.data(), n, y.size(1));
      std::copy(pred.begin(), pred.end(), predictions->begin() + b);
    }
  }
  return out;
}

Matrix output_layer_logits(nn::Model& model, const Matrix& hidden, int64_t batch) {
  nn::Linear& out = model.output_layer();
  MP_CHECK(hidden.cols == out.in_features(), "output_layer_predictions: rows of width "
                                                 << hidden.cols << ", but the output layer "
                                                 << model.output_layer_name() << " takes "
                                                 << out.in_features());
  EvalScope scope(model);
  ag::NoGradGuard no_grad;
  Matrix logits;
  logits.cols = out.out_features();
  logits.data.reserve(static_cast<size_t>(hidden.rows * logits.cols));
  for (int64_t b = 0; b < hidden.rows; b += batch) {
    const int64_t n = std::min(batch, hidden.rows - b);
    // A fresh tensor, like the activation the forward pass hands the output layer (same shape,
    // same allocator alignment), not a view into `hidden`: the kernels then take the same path.
    Tensor h = Tensor::empty({n, hidden.cols});
    std::copy(hidden.row(b), hidden.row(b) + n * hidden.cols, h.data());
    const Tensor y = out.forward(ag::Var(h)).data().contiguous();
    logits.append_rows(y.data(), n, y.size(1));
  }
  return logits;
}

std::vector<int32_t> output_layer_predictions(nn::Model& model, const Matrix& hidden,
                                              int64_t batch) {
  const Matrix logits = output_layer_logits(model, hidden, batch);
  return argmax_rows(logits.data.data(), logits.rows, logits.cols);
}

std::map<std::string, int64_t> layer_widths(nn::Model& model, const data::ImageSet& set) {
  MP_CHECK(set.n > 0, "layer_widths: empty image set");
  data::ImageSet one;
  one.n = 1;
  one.c = set.c;
  one.h = set.h;
  one.w = set.w;
  one.pixels.assign(set.pixels.begin(), set.pixels.begin() + set.image_size());
  one.labels = {set.labels.empty() ? 0 : set.labels[0]};
  std::map<std::string, int64_t> w;
  for (const auto& [name, m] : collect_activations(model, one, {}, model.layer_names()))
    w[name] = m.cols;
  return w;
}

}  // namespace mp::probes
