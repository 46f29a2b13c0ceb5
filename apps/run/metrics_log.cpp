#include "apps/run/metrics_log.h"

#include <algorithm>
#include <cmath>

#include "tensor/check.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace {
const std::vector<std::string> kColumns = {"epoch",
                                           "loss",
                                           "train_acc_running",
                                           "train_acc_corrupted",
                                           "train_acc_true",
                                           "test_acc",
                                           "samples_per_s",
                                           "epoch_s",
                                           "wall_s",
                                           "train_s",
                                           "eval_s",
                                           "checkpoint_s"};
// Columns every metrics.csv has had since the first version; the rest may be missing.
const std::vector<std::string> kRequired = {"epoch",          "loss",     "train_acc_corrupted",
                                            "train_acc_true", "test_acc", "wall_s"};

// An accuracy that was not measured this epoch is an empty cell, not "nan": a reader (and a
// spreadsheet) sees "no value" rather than a number.
std::string accuracy_cell(double v) {
  return std::isnan(v) ? std::string() : csv_number(v);
}

double optional_number(const CsvTable& t, size_t r, const std::string& col, double fallback) {
  if (std::find(t.header.begin(), t.header.end(), col) == t.header.end()) return fallback;
  if (t.at(r, col).empty()) return EpochMetrics::kNotMeasured;
  return t.number(r, col);
}
}  // namespace

const std::vector<std::string>& metrics_csv_columns() {
  return kColumns;
}

double stop_metric(const EpochMetrics& m, const std::string& stop_on) {
  if (stop_on == "running" && m.epoch > 0) return m.train_acc_running;
  return m.train_acc_corrupted;
}

// Rewritten whole (atomically) after every epoch: a crash can never leave a half-written row.
void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochMetrics>& rows) {
  CsvWriter w(path.string(), kColumns);
  for (const EpochMetrics& m : rows) {
    w.cell(m.epoch).cell(m.loss).cell(accuracy_cell(m.train_acc_running));
    w.cell(accuracy_cell(m.train_acc_corrupted)).cell(accuracy_cell(m.train_acc_true));
    w.cell(accuracy_cell(m.test_acc)).cell(m.samples_per_s).cell(m.epoch_s).cell(m.wall_s);
    w.cell(m.train_s).cell(m.eval_s).cell(m.checkpoint_s);
    w.end_row();
  }
  w.close();
}

std::vector<EpochMetrics> read_metrics_csv(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  return metrics_from_table(read_csv(path.string()));
}

std::vector<EpochMetrics> metrics_from_table(const CsvTable& t) {
  std::vector<EpochMetrics> out;
  for (const std::string& col : kRequired)
    MP_CHECK(std::find(t.header.begin(), t.header.end(), col) != t.header.end(),
             t.source << ": no column '" << col << "' (not a memprobe metrics.csv?)");
  for (size_t r = 0; r < t.rows.size(); ++r) {
    EpochMetrics m;
    const double e = t.number(r, "epoch");
    MP_CHECK(e >= 0 && e == std::floor(e) && e < 1e9,
             t.source << ": line " << t.row_line[r] << ": epoch '" << t.at(r, "epoch")
                      << "' is not a non-negative integer");
    m.epoch = static_cast<int>(e);
    m.loss = t.number(r, "loss");
    m.train_acc_running = optional_number(t, r, "train_acc_running", EpochMetrics::kNotMeasured);
    m.train_acc_corrupted = optional_number(t, r, "train_acc_corrupted", 0);
    m.train_acc_true = optional_number(t, r, "train_acc_true", 0);
    m.test_acc = optional_number(t, r, "test_acc", 0);
    m.samples_per_s = optional_number(t, r, "samples_per_s", 0);
    m.epoch_s = optional_number(t, r, "epoch_s", 0);
    m.wall_s = t.number(r, "wall_s");
    m.train_s = optional_number(t, r, "train_s", 0);
    m.eval_s = optional_number(t, r, "eval_s", 0);
    m.checkpoint_s = optional_number(t, r, "checkpoint_s", 0);
    out.push_back(m);
  }
  return out;
}

}  // namespace mp::app
