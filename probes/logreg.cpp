#include "probes/logreg.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/adam.h"
#include "nn/linear.h"
#include "probes/class_eigen.h"
#include "probes/projection.h"
#include "tensor/check.h"
#include "tensor/rng.h"

namespace mp::probes {

namespace {

// Column mean and 1/std (population std; 1 for a constant column so it maps to 0).
void column_stats(const float* X, int64_t N, int64_t d, std::vector<float>& mean,
                  std::vector<float>& inv_std) {
  std::vector<double> s(static_cast<size_t>(d), 0.0), s2(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < d; ++j) s[static_cast<size_t>(j)] += X[i * d + j];
  }
  for (int64_t j = 0; j < d; ++j) s[static_cast<size_t>(j)] /= static_cast<double>(N);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      const double c = X[i * d + j] - s[static_cast<size_t>(j)];
      s2[static_cast<size_t>(j)] += c * c;
    }
  }
  mean.resize(static_cast<size_t>(d));
  inv_std.resize(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) {
    const double sd = std::sqrt(s2[static_cast<size_t>(j)] / static_cast<double>(N));
    mean[static_cast<size_t>(j)] = static_cast<float>(s[static_cast<size_t>(j)]);
    inv_std[static_cast<size_t>(j)] = sd > 0 ? static_cast<float>(1.0 / sd) : 1.0f;
  }
}

// Row i of X into dst, standardised if the probe carries statistics.
void load_row(const float* x, int64_t d, const std::vector<float>& mean,
              const std::vector<float>& inv_std, float* dst) {
  if (mean.empty()) {
    std::memcpy(dst, x, static_cast<size_t>(d) * sizeof(float));
    return;
  }
  for (int64_t j = 0; j < d; ++j) dst[j] = (x[j] - mean[j]) * inv_std[j];
}

}  // namespace

// X is (N, d) float32, labels (N) in [0, K) -> W (K, d), b (K) trained by Adam on softmax CE.
LogRegProbe fit_logreg(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                       const LogRegOptions& opts) {
  check_labels(labels, N, num_classes, "probes/fit_logreg");
  MP_CHECK(N >= 1 && d >= 1, "probes/fit_logreg: need rows and columns, got " << N << " x " << d);
  MP_CHECK(X != nullptr, "probes/fit_logreg: X is null");
  MP_CHECK(opts.epochs >= 0 && opts.batch >= 1 && opts.lr > 0,
           "probes/fit_logreg: bad options epochs=" << opts.epochs << " batch=" << opts.batch
                                                    << " lr=" << opts.lr);
  LogRegProbe p;
  p.num_classes = num_classes;
  p.dim = d;
  if (opts.standardize) column_stats(X, N, d, p.mean, p.inv_std);

  Rng rng(opts.seed);
  nn::Linear lin(d, num_classes, rng);
  nn::Adam adam(lin.named_parameters(), opts.lr);
  std::vector<int64_t> order(static_cast<size_t>(N));
  std::vector<int32_t> yb;
  for (int epoch = 0; epoch < opts.epochs; ++epoch) {
    for (int64_t i = 0; i < N; ++i) order[static_cast<size_t>(i)] = i;
    rng.shuffle(order);
    double loss_sum = 0;
    for (int64_t b0 = 0; b0 < N; b0 += opts.batch) {
      const int64_t nb = std::min(opts.batch, N - b0);
      Tensor xb = Tensor::empty({nb, d});
      yb.resize(static_cast<size_t>(nb));
      for (int64_t i = 0; i < nb; ++i) {
        const int64_t r = order[static_cast<size_t>(b0 + i)];
        load_row(X + r * d, d, p.mean, p.inv_std, xb.data() + i * d);
        yb[static_cast<size_t>(i)] = labels[r];
      }
      adam.zero_grad();
      ag::Var loss = ag::cross_entropy(lin.forward(ag::Var(xb)), yb);
      loss.backward();
      adam.step();
      loss_sum += static_cast<double>(loss.item()) * static_cast<double>(nb);
    }
    p.epoch_loss.push_back(loss_sum / static_cast<double>(N));
  }
  const Tensor& W = lin.weight.data();
  p.W.assign(W.data(), W.data() + num_classes * d);
  const Tensor& bias = lin.bias.data();
  p.b.assign(bias.data(), bias.data() + num_classes);
  return p;
}

// X is (N, d) float32 -> (N, K) logits in double.
std::vector<double> logreg_scores(const LogRegProbe& probe, const float* X, int64_t N) {
  const int K = probe.num_classes;
  const int64_t d = probe.dim;
  MP_CHECK(K >= 1 && static_cast<int64_t>(probe.W.size()) == K * d &&
               static_cast<int>(probe.b.size()) == K,
           "probes/logreg_scores: probe is not fitted or inconsistent (K=" << K << ")");
  // Fold the standardisation into the weights: w.((x - m) * s) + b = (w * s).x + (b - (w * s).m).
  std::vector<double> W(probe.W.begin(), probe.W.end()), b(probe.b.begin(), probe.b.end());
  if (!probe.mean.empty()) {
    for (int c = 0; c < K; ++c) {
      for (int64_t j = 0; j < d; ++j) {
        W[c * d + j] *= probe.inv_std[static_cast<size_t>(j)];
        b[static_cast<size_t>(c)] -= W[c * d + j] * probe.mean[static_cast<size_t>(j)];
      }
    }
  }
  std::vector<double> scores(static_cast<size_t>(N * K));
  for_each_projection_block(X, N, d, W.data(), K,
                            [&](int64_t r0, int64_t nb, const double* P, const double*) {
                              for (int64_t i = 0; i < nb; ++i) {
                                for (int c = 0; c < K; ++c) {
                                  scores[static_cast<size_t>((r0 + i) * K + c)] =
                                      P[i * K + c] + b[static_cast<size_t>(c)];
                                }
                              }
                            });
  return scores;
}

std::vector<int32_t> predict_logreg(const LogRegProbe& probe, const float* X, int64_t N) {
  return argmax_rows(logreg_scores(probe, X, N).data(), N, probe.num_classes);
}

}  // namespace mp::probes
