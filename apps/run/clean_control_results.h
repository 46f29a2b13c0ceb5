#pragma once
// RUN/clean_control.csv (docs/formats.md), its one owner: `memprobe clean-control`
// (apps/study/clean_control.cpp) writes it and `report` (apps/report/experiments.cpp) reads it,
// both through this file, so the writer and the reader cannot drift apart.
#include <filesystem>
#include <string>
#include <vector>

#include "apps/run/file_format.h"

namespace mp::app {

// The file name and its columns.
const FileFormat& clean_control_format();

// One layer: MASC with the noisy run's corrupted labels on the clean (p = 0) model.
struct CleanControlRow {
  std::string layer;
  int clean_epoch = 0;
  double test_acc = 0, train_acc_corrupted = 0, train_acc_true = 0;  // fractions
  bool best = false;
};

// Writes `rows` to dir/clean_control.csv atomically (all rows or the old file).
void write_clean_control_csv(const std::filesystem::path& dir,
                             const std::vector<CleanControlRow>& rows);
// Reads a clean_control.csv; throws mp::Error naming the file and what is wrong.
std::vector<CleanControlRow> read_clean_control_csv(const std::filesystem::path& path);

}  // namespace mp::app
