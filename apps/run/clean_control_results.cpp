#include "apps/run/clean_control_results.h"

#include "tensor/io/csv.h"

namespace mp::app {

namespace fs = std::filesystem;

const FileFormat& clean_control_format() {
  static const FileFormat f = {
      "clean_control.csv",
      "MASC on the clean (p = 0) model's activations with this run's corrupted labels",
      {{"layer", "the probed layer of the clean model"},
       {"clean_epoch", "the clean run's checkpoint (epoch)"},
       {"test_acc", "test accuracy, true labels (fraction)"},
       {"train_acc_corrupted", "training accuracy vs this run's corrupted labels (fraction)"},
       {"train_acc_true", "training accuracy vs the true labels (fraction)"},
       {"best", "1 on the hidden layer with the highest test_acc, else 0"}}};
  return f;
}

void write_clean_control_csv(const fs::path& dir, const std::vector<CleanControlRow>& rows) {
  CsvWriter w((dir / clean_control_format().file).string(), clean_control_format().header());
  for (const CleanControlRow& r : rows)
    w.cell(r.layer)
        .cell(r.clean_epoch)
        .cell(r.test_acc)
        .cell(r.train_acc_corrupted)
        .cell(r.train_acc_true)
        .cell(r.best ? 1 : 0)
        .end_row();
  w.close();
}

std::vector<CleanControlRow> read_clean_control_csv(const fs::path& path) {
  const CsvTable t = read_format(path, clean_control_format());
  std::vector<CleanControlRow> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    CleanControlRow row;
    row.layer = text_cell(t, r, "layer");
    row.clean_epoch = static_cast<int>(integer_cell(t, r, "clean_epoch"));
    row.test_acc = t.number(r, "test_acc");
    row.train_acc_corrupted = t.number(r, "train_acc_corrupted");
    row.train_acc_true = t.number(r, "train_acc_true");
    row.best = integer_cell(t, r, "best") == 1;
    out.push_back(row);
  }
  return out;
}

}  // namespace mp::app
