#include "apps/metrics_log.h"

#include "tensor/csv.h"

namespace mp::app {

namespace {
const std::vector<std::string> kColumns = {"epoch",          "loss",          "train_acc_corrupted",
                                           "train_acc_true", "test_acc",      "samples_per_s",
                                           "epoch_s",        "wall_s"};
}

// Rewritten whole (atomically) after every epoch: a crash can never leave a half-written row.
void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochMetrics>& rows) {
  CsvWriter w(path.string(), kColumns);
  for (const EpochMetrics& m : rows) {
    w.cell(m.epoch).cell(m.loss).cell(m.train_acc_corrupted).cell(m.train_acc_true);
    w.cell(m.test_acc).cell(m.samples_per_s).cell(m.epoch_s).cell(m.wall_s);
    w.end_row();
  }
  w.close();
}

std::vector<EpochMetrics> read_metrics_csv(const std::filesystem::path& path) {
  std::vector<EpochMetrics> out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  CsvTable t = read_csv(path.string());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    EpochMetrics m;
    m.epoch = static_cast<int>(t.number(r, "epoch"));
    m.loss = t.number(r, "loss");
    m.train_acc_corrupted = t.number(r, "train_acc_corrupted");
    m.train_acc_true = t.number(r, "train_acc_true");
    m.test_acc = t.number(r, "test_acc");
    m.samples_per_s = t.number(r, "samples_per_s");
    m.epoch_s = t.number(r, "epoch_s");
    m.wall_s = t.number(r, "wall_s");
    out.push_back(m);
  }
  return out;
}

}  // namespace mp::app
