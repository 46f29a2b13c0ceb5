#include "apps/run/metrics_log.h"

#include "tensor/check.h"
#include "tensor/io/csv.h"

namespace mp::app {

const FileFormat& metrics_format() {
  static const FileFormat f = {
      "metrics.csv",
      "per-epoch loss, accuracies and wall times of the model",
      {{"epoch", "0 = initialisation, then 1, 2, ... (count)"},
       {"loss", "mean cross-entropy over the epoch's batches vs the corrupted labels (nats)"},
       {"train_acc_running",
        "running accuracy over the epoch's mini-batches vs the corrupted labels (fraction)", true},
       {"train_acc_corrupted", "evaluation pass over the training set vs the corrupted labels"},
       {"train_acc_true", "the same pass vs the true labels (fraction)"},
       {"test_acc", "accuracy on the test set, true labels (fraction)"},
       {"samples_per_s", "training throughput of the epoch (samples / s)"},
       {"epoch_s", "wall time of the epoch: training, evaluation, checkpoint (s)"},
       {"wall_s", "wall time since the run started, cumulative over resumes (s)"},
       {"train_s", "wall time of the epoch's training steps (s)", true},
       {"eval_s", "wall time of the epoch's evaluation passes (s)", true},
       {"checkpoint_s", "wall time of writing the epoch's checkpoint (s)", true}}};
  return f;
}

namespace {
// A measured cell: an empty one is "not measured this epoch" (NaN); a column the file lacks
// (an older run) gives `absent`.
double measured(const CsvTable& t, size_t r, const char* col, double absent) {
  return has_column(t, col) ? number_or_nan(t, r, col) : absent;
}
}  // namespace

double stop_metric(const EpochMetrics& m, const std::string& stop_on) {
  if (stop_on == "running" && m.epoch > 0) return m.train_acc_running;
  return m.train_acc_corrupted;
}

// Rewritten whole (atomically) after every epoch: a crash can never leave a half-written row.
void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochMetrics>& rows) {
  CsvWriter w(path.string(), metrics_format().header());
  for (const EpochMetrics& m : rows) {
    w.cell(m.epoch).cell(m.loss).cell(optional_number(m.train_acc_running));
    w.cell(optional_number(m.train_acc_corrupted)).cell(optional_number(m.train_acc_true));
    w.cell(optional_number(m.test_acc)).cell(m.samples_per_s).cell(m.epoch_s).cell(m.wall_s);
    w.cell(m.train_s).cell(m.eval_s).cell(m.checkpoint_s);
    w.end_row();
  }
  w.close();
}

std::vector<EpochMetrics> read_metrics_csv(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  const CsvTable t = read_format(path, metrics_format());
  std::vector<EpochMetrics> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    EpochMetrics m;
    m.epoch = static_cast<int>(integer_cell(t, r, "epoch"));
    m.loss = t.number(r, "loss");
    m.train_acc_running = measured(t, r, "train_acc_running", EpochMetrics::kNotMeasured);
    m.train_acc_corrupted = number_or_nan(t, r, "train_acc_corrupted");
    m.train_acc_true = number_or_nan(t, r, "train_acc_true");
    m.test_acc = number_or_nan(t, r, "test_acc");
    m.samples_per_s = number_or_nan(t, r, "samples_per_s");
    m.epoch_s = number_or_nan(t, r, "epoch_s");
    m.wall_s = t.number(r, "wall_s");
    m.train_s = measured(t, r, "train_s", 0);
    m.eval_s = measured(t, r, "eval_s", 0);
    m.checkpoint_s = measured(t, r, "checkpoint_s", 0);
    out.push_back(m);
  }
  return out;
}

}  // namespace mp::app
