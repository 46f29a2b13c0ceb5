#include "apps/run/transfer_results.h"

#include "tensor/io/csv.h"

namespace mp::app {

const FileFormat& transfer_format() {
  static const FileFormat f = {
      "transfer.csv",
      "the weight-edited model, one row per (epoch, bias) edit of the output layer",
      {{"epoch", "checkpoint that was edited"},
       {"bias", "zero: output bias set to zero; keep: the trained bias kept"},
       {"test_acc", "test accuracy of the edited model, true labels (fraction)"},
       {"train_acc_corrupted", "its training accuracy vs the corrupted labels (fraction)"},
       {"train_acc_true", "its training accuracy vs the true labels (fraction)"},
       {"probe_test_acc", "test accuracy of the linear probe at the edited layer (fraction)"},
       {"checkpoint", "file of the edited model, relative to the run; empty when not saved"}}};
  return f;
}

bool TransferRow::operator==(const TransferRow& o) const {
  return epoch == o.epoch && bias == o.bias && same_number(test_acc, o.test_acc) &&
         same_number(train_acc_corrupted, o.train_acc_corrupted) &&
         same_number(train_acc_true, o.train_acc_true) &&
         same_number(probe_test_acc, o.probe_test_acc) && checkpoint == o.checkpoint;
}

void write_transfer_csv(const std::filesystem::path& path, const std::vector<TransferRow>& rows) {
  std::vector<std::vector<std::string>> cells;
  for (const TransferRow& x : rows)
    cells.push_back({std::to_string(x.epoch), x.bias, csv_number(x.test_acc),
                     csv_number(x.train_acc_corrupted), csv_number(x.train_acc_true),
                     csv_number(x.probe_test_acc), x.checkpoint});
  upsert_format(path, transfer_format(), 2, cells);
}

std::vector<TransferRow> read_transfer_csv(const std::filesystem::path& path) {
  std::vector<TransferRow> out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  const CsvTable t = read_format(path, transfer_format());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    TransferRow x;
    x.epoch = static_cast<int>(integer_cell(t, r, "epoch"));
    x.bias = t.at(r, "bias");
    x.test_acc = number_or_nan(t, r, "test_acc");
    x.train_acc_corrupted = number_or_nan(t, r, "train_acc_corrupted");
    x.train_acc_true = number_or_nan(t, r, "train_acc_true");
    x.probe_test_acc = number_or_nan(t, r, "probe_test_acc");
    x.checkpoint = t.at(r, "checkpoint");
    out.push_back(x);
  }
  return out;
}

}  // namespace mp::app
