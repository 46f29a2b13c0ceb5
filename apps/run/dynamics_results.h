#pragma once
// dynamics.csv of a run (docs/formats.md, docs/method.md §13): the model, the probes and the
// edited model over the saved checkpoints, in long format. Its format, row type, one writer
// (`memprobe dynamics`, reproduce) and one reader (the report, dynamics itself to skip the
// checkpoints already done).
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "apps/run/file_format.h"

namespace mp::app {

// The file name and its columns; (epoch, layer, probe, metric) is a row's key.
const FileFormat& dynamics_format();

struct DynamicsRow {
  int epoch = 0;
  std::string layer;   // the probed layer; "output" for the model; the edited layer for "edited"
  std::string probe;   // model | masc | masc_true | linear | ncm | logreg | edited
  std::string metric;  // test_acc | train_acc_corrupted | train_acc_true
  double value = std::numeric_limits<double>::quiet_NaN();  // the accuracy, fraction
  bool operator==(const DynamicsRow& o) const;              // NaN equals NaN
};

// Adds (or replaces, by (epoch, layer, probe, metric)) rows of dynamics.csv, atomically.
void write_dynamics_csv(const std::filesystem::path& path, const std::vector<DynamicsRow>& rows);
// Every row, in file order; an absent file is no rows. Throws mp::Error naming the file (and the
// column) on a bad one.
std::vector<DynamicsRow> read_dynamics_csv(const std::filesystem::path& path);

}  // namespace mp::app
