#pragma once
// metrics.csv of a run (one row per epoch, see docs/formats.md): its format, its row type, its
// one writer and its one reader, the stop metric read from a row, and a wall-clock timer.
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "apps/run/file_format.h"
#include "tensor/stopwatch.h"

namespace mp::app {

// The file name and its columns (train_acc_running and the phase times came later: optional).
const FileFormat& metrics_format();

// One epoch of a run. Accuracies are fractions in [0, 1]; NaN means "not measured this epoch"
// (written as an empty cell): the evaluation pass over the training set runs only at saved
// checkpoints when the stop metric is the running count (docs/method.md, "When training stops").
struct EpochMetrics {
  static constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();
  int epoch = 0;
  double loss = 0;  // mean training cross-entropy over the epoch's batches (epoch 0: of the init)
  // Running count over the epoch's mini-batches as they are trained: each batch's predictions
  // from the forward pass that computes its loss, before the optimizer step (the reference's
  // stop metric). Against the corrupted labels. Epoch 0 has none (no batch was trained).
  double train_acc_running = kNotMeasured;
  // Evaluation pass (inference mode, after the epoch) over the training and the test set.
  double train_acc_corrupted = kNotMeasured, train_acc_true = kNotMeasured;
  double test_acc = kNotMeasured;
  double samples_per_s = 0, epoch_s = 0, wall_s = 0;
  // Wall time of this epoch's phases: training steps, evaluation passes, checkpoint writes.
  // Their sum over the rows of metrics.csv is the training cost of the run as if it had never
  // been interrupted (rows recomputed after a resume replace the ones they supersede).
  double train_s = 0, eval_s = 0, checkpoint_s = 0;
};

// The accuracy the stop rule reads from a row: the running count with stop_on == "running"
// (epoch 0 has no running count and uses its evaluation pass), else the evaluation pass.
double stop_metric(const EpochMetrics& m, const std::string& stop_on);

void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochMetrics>& rows);
// Reads metrics.csv; an absent file is no rows. Columns added in later versions
// (train_acc_running, the phase times) may be absent in an older run's file and read as NaN / 0.
// Throws mp::Error naming the file (and the column) otherwise.
std::vector<EpochMetrics> read_metrics_csv(const std::filesystem::path& path);

using Timer = mp::Stopwatch;

}  // namespace mp::app
