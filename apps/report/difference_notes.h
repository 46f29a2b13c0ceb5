#pragma once
// differences.csv (docs/formats.md): what a bundle's authors know about each difference from the
// published numbers beyond the report's 2-point line. A row names one compared value by the
// published table's keys and says whether the difference is `explained` (by a measurement the
// note names, e.g. the PyTorch twin on the same activations) or still `open`. The report prints
// the note beside the difference; a difference without a row is printed as open, so nothing
// beyond 2 points goes unremarked, and a row matching no difference beyond 2 points is warned of.
#include <filesystem>
#include <string>
#include <vector>

#include "apps/run/file_format.h"

namespace mp::app {

const FileFormat& difference_notes_format();

struct DifferenceNote {
  std::string dataset, model;
  double level = 0;
  std::string metric, subspace;  // docs/reference_results.csv's keys ("logreg", "corrupted")
  std::string status;            // "explained" or "open"
  std::string note;
  std::string source;  // the file it came from, for messages
};

// Reads one differences.csv; throws mp::Error naming the file, line and what is wrong.
std::vector<DifferenceNote> read_difference_notes(const std::filesystem::path& path);

// The notes of every `dirs[i]/differences.csv` that exists, in `dirs` order.
std::vector<DifferenceNote> find_difference_notes(const std::vector<std::filesystem::path>& dirs);

}  // namespace mp::app
