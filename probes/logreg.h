#pragma once
// The logistic-regression baseline probe (docs/method.md §10), trained with memprobe's own engine:
// nn::Linear d -> K (PyTorch-default init), softmax cross-entropy, Adam lr 1e-3, 20 epochs,
// batch 128, rows reshuffled every epoch by a seeded mp::Rng, on the labels given (the
// corrupted ones in the study). No input standardisation by default: §7 specifies none, and
// the reference trains on the raw activations; `standardize` exists for experiments only.
#include <cstdint>
#include <vector>

namespace mp::probes {

struct LogRegOptions {
  int epochs = 20;
  int64_t batch = 128;  // the last batch of an epoch may be smaller (drop_last = False)
  double lr = 1e-3;
  uint32_t seed = 42;        // initialisation, then the per-epoch shuffles
  bool standardize = false;  // z-score each column with the training mean / std first
};

struct LogRegProbe {
  int num_classes = 0;
  int64_t dim = 0;
  std::vector<float> W;              // K x d (PyTorch layout: weight [out, in])
  std::vector<float> b;              // K
  std::vector<float> mean, inv_std;  // per column, only when trained with standardize
  std::vector<double> epoch_loss;    // mean training loss of each epoch
};

LogRegProbe fit_logreg(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                       const LogRegOptions& opts = {});

// N x K logits x W^T + b (double), after the probe's standardisation if any.
std::vector<double> logreg_scores(const LogRegProbe& probe, const float* X, int64_t N);

// argmax of the logits; ties -> lowest class index.
std::vector<int32_t> predict_logreg(const LogRegProbe& probe, const float* X, int64_t N);

}  // namespace mp::probes
