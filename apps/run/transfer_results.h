#pragma once
// transfer.csv of a run (docs/formats.md, docs/method.md §12): one row per (epoch, bias) edit of
// the output layer. Its format, row type, one writer (`memprobe transfer`, reproduce) and one
// reader (the report, reproduce).
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "apps/run/file_format.h"

namespace mp::app {

// The file name and its columns; (epoch, bias) is a row's key.
const FileFormat& transfer_format();

struct TransferRow {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int epoch = 0;
  std::string bias;  // zero | keep
  // The edited model's accuracies and the linear probe's test accuracy, fractions.
  double test_acc = kNaN, train_acc_corrupted = kNaN, train_acc_true = kNaN;
  double probe_test_acc = kNaN;
  std::string checkpoint;  // the edited model's file, relative to the run; empty when not saved
  bool operator==(const TransferRow& o) const;  // NaN equals NaN
};

// Adds (or replaces, by (epoch, bias)) rows of transfer.csv, atomically.
void write_transfer_csv(const std::filesystem::path& path, const std::vector<TransferRow>& rows);
// Every row, in file order; an absent file is no rows. Throws mp::Error naming the file (and the
// column) on a bad one.
std::vector<TransferRow> read_transfer_csv(const std::filesystem::path& path);

}  // namespace mp::app
