#pragma once
// The study's summary: one row per (dataset, model, corruption level), final-epoch values
// averaged over seeds (docs/formats.md, summary.csv). For each probe the per-seed value is its
// best layer's test accuracy (best = highest test accuracy over the hidden layers at the run's
// last probed epoch; the input layer is reported apart, as the baseline); the
// row holds the mean and sample sd of those values and names the layer chosen most often
// (ties: the earliest layer in network order).
#include <filesystem>
#include <string>
#include <vector>

#include "apps/report/runs.h"
#include "apps/run/console.h"
#include "apps/run/file_format.h"

namespace mp::app {

// summary.csv of a report directory: the file name and its columns. The input-layer baseline
// columns came later (optional: an older summary.csv lacks them).
const FileFormat& summary_format();

struct Stat {
  int n = 0;          // runs that had this value
  double mean;        // NaN when n == 0
  double sd;          // sample sd (n - 1); NaN when n < 2
  std::string layer;  // best layer (probes only)
  bool computed() const { return n > 0; }
};

// Mean and sample sd of `v` (NaN entries ignored).
Stat mean_sd(const std::vector<double>& v);
// "91.23 ± 0.41 (fc3)" (percent); "[n=2]" when fewer seeds than the row's `n_seeds` had the
// value; "not computed" when none had it. The summary and the published-numbers tables use it.
std::string stat_display(const Stat& s, int n_seeds);

struct SummaryRow {
  std::string dataset, model;
  double level = 0;
  int n_seeds = 0;
  std::vector<int64_t> seeds;
  Stat model_test_acc, masc_corrupted, masc_true, linear, ncm, logreg, edited_test_acc,
      train_acc_corrupted;
  Stat masc_input, linear_input;  // the input-layer baseline (corrupted labels), no best layer
};

// Best layer of one run for (probe, subspace) at the run's last probed epoch: the hidden layer
// with the highest test accuracy (NaN rows never win; ties: the earlier row); the input layer
// is the baseline and wins only when no hidden layer was probed. nullptr if none.
const ProbeRow* best_layer(const RunData& run, const std::string& probe,
                           const std::string& subspace);
// The edited model's row at the latest transfer epoch (bias "zero" preferred).
const TransferRow* final_transfer(const RunData& run);

// `runs` must be merged (one per key); rows come out sorted by dataset, model, level.
std::vector<SummaryRow> summarize(const std::vector<RunData>& runs);

// summary.csv as in docs/formats.md; numbers are fractions, shortest exact decimal form; a
// value not computed (or an sd of a single seed) is an empty cell.
void write_summary_csv(const std::filesystem::path& path, const std::vector<SummaryRow>& rows);
// The rows back (for tools comparing reports). The file holds no seeds and no per-value count:
// `seeds` is empty, and a value's `n` is n_seeds when it is present, else 0. Throws mp::Error
// naming the file (and the column) on a bad one.
std::vector<SummaryRow> read_summary_csv(const std::filesystem::path& path);

// The same numbers for people: percentages "91.23 ± 0.41 (fc3)", "not computed".
Table summary_table(const std::vector<SummaryRow>& rows);

// How a run's training ended against its stop target: the training accuracy on the corrupted
// labels at which it stops (config.target_train_acc, read from the stop metric of
// config.stop_on, docs/method.md "When training stops"), or the epoch cap (config.max_epochs).
enum class StopOutcome {
  Reached,     // the stop metric reached the target
  EpochCap,    // training stopped at the cap, short of the target
  Unfinished,  // training is still running, or failed
  Unknown,     // the run records no target, or its files do not tell
};
struct StopTarget {
  StopOutcome outcome = StopOutcome::Unknown;
  double target;         // config.target_train_acc; NaN when absent
  int max_epochs = -1;   // config.max_epochs; -1 when absent
  int final_epoch = -1;  // -1 when not recorded
  double accuracy;       // the stop metric at the final epoch; NaN when not measured
  bool running = true;   // `accuracy` is the running count over the epoch's batches
};
// From the manifest's stop_reason when it is the trainer's ("target reached" / "epoch cap"),
// else from metrics.csv's final row against the target and the cap.
StopTarget stop_target(const RunData& run);
// One sentence for a run that did not reach its target ("" for one that did, or whose outcome
// is unknown), e.g. "mnist/mlp, level 0.8 (seed 42): training stopped at the 60-epoch cap ...".
std::string stop_target_note(const RunData& run);
// The notes of the runs that did not reach their target, in run order.
std::vector<std::string> stop_target_notes(const std::vector<RunData>& runs);
// True when every run (at least one) reached its target: the report then says so in one line.
bool all_stop_targets_reached(const std::vector<RunData>& runs);
constexpr const char* kAllStopTargetsReached =
    "Every run reached its stop target (its training accuracy on the corrupted labels).";

// Shortest decimal that parses back to exactly `v` ("0.4", not "0.40000000000000002").
std::string exact_number(double v);
// "0.4" for levels in names and tables.
std::string level_string(double level);

}  // namespace mp::app
