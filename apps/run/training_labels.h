#pragma once
// labels.csv of a run (docs/formats.md): the training labels, true and corrupted, one row per
// training image in the order the run uses them. Its format, row type, one writer (the exact
// text, whose sha256 the manifest records and `audit` re-derives) and one reader.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/run/file_format.h"

namespace mp::app {

// The file name and its columns.
const FileFormat& labels_format();

struct LabelRow {
  int64_t index = 0;  // the image's index in the dataset's full training set
  int32_t true_label = 0, corrupted_label = 0;
  bool operator==(const LabelRow& o) const {
    return index == o.index && true_label == o.true_label && corrupted_label == o.corrupted_label;
  }
};

// The file's exact bytes. Text rather than a file: the trainer hashes it before writing it (and
// compares it on --resume), audit compares it with the file.
std::string labels_csv_text(const std::vector<LabelRow>& rows);
// Every row; throws mp::Error naming the file (and the column) when it is absent or bad.
std::vector<LabelRow> read_labels_csv(const std::filesystem::path& path);

}  // namespace mp::app
