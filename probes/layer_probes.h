#pragma once
// Probing one layer (docs/method.md §7-10): fit each requested probe on the training activations
// with the corrupted labels (MASC also with the true labels when asked: `subspace true`), then
// score it on the test set (true labels) and on the training set (vs corrupted and vs true labels).
// MASC and the linear probe share one eigen-decomposition per class.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probes/activation_matrix.h"
#include "probes/knn.h"
#include "probes/lda.h"
#include "probes/linear_probe.h"
#include "probes/logreg.h"
#include "probes/masc.h"
#include "probes/metrics.h"
#include "probes/ncm.h"
#include "probes/qda.h"

namespace mp::probes {

struct ProbeSpec {
  std::vector<std::string> probes = {"masc", "linear", "ncm", "logreg"};
  std::vector<std::string> masc_subspaces = {"corrupted", "true"};  // labels MASC is fitted on
  MascOptions masc;
  LogRegOptions logreg;
  LdaOptions lda;
  QdaOptions qda;  // qda.reg (default 0) is raised by the ladder when a covariance is singular
  KnnOptions knn;  // opt-in probes ("knn", "lda", "qda") are never in the default list
};

struct LayerInputs {
  const Matrix* train = nullptr;  // [N, d] activations of the training rows
  const Matrix* test = nullptr;   // [M, d] activations of the test rows
  const std::vector<int32_t>* train_corrupt = nullptr;
  const std::vector<int32_t>* train_true = nullptr;
  const std::vector<int32_t>* test_true = nullptr;
  int num_classes = 10;
};

// The same inputs with the activations as views: memory owned elsewhere, such as the
// memory-mapped .npy files of `memprobe probe-arrays` (a network memprobe did not train).
struct LayerViews {
  MatrixView train;  // [N, d]
  MatrixView test;   // [M, d]
  const std::vector<int32_t>* train_corrupt = nullptr;
  const std::vector<int32_t>* train_true = nullptr;
  const std::vector<int32_t>* test_true = nullptr;
  int num_classes = 10;
};

// The probes one probe_layer() call fitted and their predictions, for a caller that keeps them
// (probe-arrays --save-probe and --predictions). Predictions are keyed "probe/subspace"
// ("masc/corrupted", "masc/true", "linear/corrupted", "ncm/corrupted", "logreg/corrupted",
// and for the opt-in probes "lda/corrupted", "qda/corrupted", "knn/corrupted"; those three keep
// only their predictions here: kNN's model is the caller's training matrix itself).
struct FittedProbes {
  std::map<std::string, MascProbe> masc;  // by subspace
  std::optional<LinearProbe> linear;
  std::optional<NcmProbe> ncm;
  std::optional<LogRegProbe> logreg;
  std::map<std::string, std::vector<int32_t>> train_pred, test_pred;
};

// Validates the spec (unknown probe or subspace -> mp::Error listing the valid names).
void check_probe_spec(const ProbeSpec& spec);

// The one implementation of probing a layer; `fitted` (optional) receives the probes.
std::vector<ProbeResult> probe_layer(const std::string& layer, const LayerViews& in,
                                     const ProbeSpec& spec, FittedProbes* fitted = nullptr);
// The same on owned matrices (the run-directory path).
std::vector<ProbeResult> probe_layer(const std::string& layer, const LayerInputs& in,
                                     const ProbeSpec& spec, FittedProbes* fitted = nullptr);

// The raw input is the study's fixed baseline (docs/method.md §1: a probe on the pixels does not
// depend on the model), so "best layer" means best *hidden* layer: the input competes only when
// no other layer was probed.
bool is_input_layer(const std::string& layer);

// The one ordering behind every "best layer" (probes.csv, the summary, the dynamics plot): a
// hidden layer beats the input; otherwise the higher test accuracy wins (ties: the incumbent).
bool better_layer(const std::string& layer, double test_acc, const std::string& incumbent_layer,
                  double incumbent_acc);

// Marks, per (probe, subspace, rule), the result with the highest test accuracy (first on ties)
// among the hidden layers (the input only when it is the sole layer of that probe).
std::vector<bool> best_layers(const std::vector<ProbeResult>& results);

}  // namespace mp::probes
