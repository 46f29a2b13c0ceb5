#pragma once
// Probe evaluation: accuracy against a label array, confusion counts, and the per-(layer, probe)
// record the study's reports are made of (docs/method.md §11: test accuracy on true labels, train
// accuracy against both the corrupted and the true labels).
#include <cstdint>
#include <string>
#include <vector>

namespace mp::probes {

// Fraction of rows with pred[i] == labels[i]; N must equal pred.size(). N = 0 -> 0.
double accuracy(const std::vector<int32_t>& pred, const int32_t* labels, int64_t N);

// K x K counts, row = label, column = prediction. Values outside [0, K) throw.
std::vector<int64_t> confusion_counts(const std::vector<int32_t>& pred, const int32_t* labels,
                                      int64_t N, int num_classes);

// Per-class recall from confusion counts (0 for a class with no rows).
std::vector<double> per_class_accuracy(const std::vector<int64_t>& confusion, int num_classes);

struct ProbeResult {
  std::string layer;               // e.g. "fc3"
  std::string probe;               // "masc", "linear", "ncm", "logreg", "lda", "qda", "knn"
  std::string subspace;            // labels the probe was fitted on: "corrupted" or "true"
  double test_acc = 0;             // test set, true labels
  double train_acc_corrupted = 0;  // training set vs corrupted labels
  double train_acc_true = 0;       // training set vs true labels
  std::vector<int> k_per_class;    // MASC components per class (empty for other probes)
  std::string rule;                // MASC: its component rule, rule_name() ("tau=0.99", "k=1")
  // Wall time of fitting and scoring this probe. MASC and the linear probe share one
  // eigen-decomposition per class: the fit is counted in the MASC row, the linear row holds its
  // own scoring only.
  double seconds = 0;
  // Probe-specific facts of the fit, "key=value" pairs separated by spaces (LDA:
  // "within_rank=.. rank=.."; QDA: "reg=.."); empty for the other probes. Not (yet) a column of
  // probes.csv: its writer is apps/run/probe_results.cpp.
  std::string params;
};

}  // namespace mp::probes
