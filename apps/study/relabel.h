#pragma once
// `memprobe relabel` (docs/method.md §15): the MASC paper's relabel-and-retrain experiment on a
// trained run. The test set is split into a held-out part (20 %) and an evaluation part (80 %);
// MASC (corrupted-label subspaces) is fitted on every layer of the run's checkpoint and the layer
// with the best held-out accuracy labels the training set; a model is then trained on those
// labels with early stopping on the held-out part, and scored on the evaluation part.
// Everything goes to RUN/relabel/ (docs/formats.md), written in a staging folder and renamed
// into place only when complete, so a failed or interrupted relabel leaves nothing behind.
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "apps/run/file_format.h"
#include "apps/run/run_model.h"
#include "probes/masc.h"

namespace mp::app {

// The split of the reference (scikit-learn train_test_split(test_size=0.2, random_state=2345),
// not stratified): a numpy-legacy permutation of 0..n-1 seeded with `seed` (mp::Rng follows
// numpy's RandomState draw for draw); the first ceil(fraction * n) indices are held out, the
// rest evaluate. Both parts keep the permutation's order.
struct TestSplit {
  std::vector<int64_t> heldout, eval;
};
TestSplit split_test_set(int64_t n, double heldout_fraction, uint32_t seed);

// The reference's early-stopping rule: an epoch improves when its held-out accuracy is strictly
// higher than the best so far; training stops after `patience` epochs in a row without
// improvement. The first epoch always improves (the reference starts from 0, which differs only
// when the first epoch scores exactly 0).
class EarlyStopping {
 public:
  explicit EarlyStopping(int patience) : patience_(patience) {}
  // Records the epoch's held-out accuracy; returns true when it improved.
  bool update(int epoch, double heldout_acc);
  bool should_stop() const { return bad_epochs_ >= patience_; }
  int best_epoch() const { return best_epoch_; }
  double best() const { return best_; }

 private:
  int patience_;
  int best_epoch_ = 0, bad_epochs_ = 0;
  double best_ = -1;
};

struct RelabelOptions {
  int patience = 3;                 // the reference's value
  int max_epochs = 30;              // the reference's num_epoch
  double heldout_fraction = 0.2;    // the reference's test_size
  uint32_t split_seed = 2345;       // the reference's random_state
  std::string init = "checkpoint";  // checkpoint (the reference: the run's trained weights) | fresh
  std::string subspace = "corrupted";  // labels the MASC subspaces are built from: corrupted | true
  std::string layers = "all";
  probes::MascOptions masc;  // tau 0.99 by default
  std::string out;           // "" -> RUN/relabel
  bool force = false;        // replace an existing output folder
  std::string command;       // recorded in relabel_manifest.json
};

struct RelabelLayer {
  std::string layer;
  int64_t dim = 0;
  double heldout_acc = 0, eval_acc = 0;
  bool chosen = false;
};

struct RelabelEpoch {
  int epoch = 0;
  double loss = 0, train_acc_relabels = 0, heldout_acc = 0, eval_acc = 0;
  bool improved = false;
  double epoch_s = 0;
};

struct RelabelOutcome {
  std::filesystem::path dir;  // the output folder
  int source_epoch = 0;
  std::string layer;  // the chosen layer
  std::vector<RelabelLayer> layers;
  std::vector<int32_t> labels;  // the MASC labels of the training rows
  TestSplit split;
  std::vector<RelabelEpoch> epochs;
  int best_epoch = 0;
  std::string stop_reason;           // "early stop" | "epoch cap"
  double model_eval_acc = 0;         // the run's own model on the evaluation part
  double masc_eval_acc = 0;          // MASC at the chosen layer on the evaluation part
  double retrained_eval_acc = 0;     // the retrained model at its best epoch
  double retrained_heldout_acc = 0;  // ... and its held-out accuracy there
  double labels_vs_true = 0, labels_vs_corrupted = 0;  // agreement over the training rows
  // Of the rows whose corrupted label differs from the true one: the share relabelled to the
  // true label; of the rows whose label was kept: the share relabelled away from it (the
  // reference's per_wlrc / per_clwr, as fractions; NaN when there are no such rows).
  double corrected_share = 0, spoiled_share = 0;
};

RelabelOutcome run_relabel(OpenedRun& r, const RelabelOptions& opt, std::ostream& log);

// The files of the output folder (docs/formats.md).
const FileFormat& relabel_metrics_format();  // metrics.csv
const FileFormat& relabel_layers_format();   // layers.csv
const FileFormat& relabel_split_format();    // split.csv
constexpr const char* kRelabelDir = "relabel";
constexpr const char* kRelabelLabels = "labels.npy";
constexpr const char* kRelabelModel = "model_best.safetensors";
constexpr const char* kRelabelManifest = "relabel_manifest.json";
constexpr const char* kRelabelSummary = "summary.json";

}  // namespace mp::app
