#include "apps/run/training_labels.h"

#include <sstream>

namespace mp::app {

const FileFormat& labels_format() {
  static const FileFormat f = {
      "labels.csv",
      "the training labels: true and corrupted, one row per training image",
      {{"index", "index of the image in the dataset's training set (original file order)"},
       {"true_label", "the dataset's label, 0 ... K-1"},
       {"corrupted_label", "the label used for training"}}};
  return f;
}

std::string labels_csv_text(const std::vector<LabelRow>& rows) {
  std::ostringstream os;
  const std::vector<std::string> header = labels_format().header();
  for (size_t i = 0; i < header.size(); ++i) os << (i ? "," : "") << header[i];
  os << '\n';
  for (const LabelRow& r : rows)
    os << r.index << ',' << r.true_label << ',' << r.corrupted_label << '\n';
  return os.str();
}

std::vector<LabelRow> read_labels_csv(const std::filesystem::path& path) {
  const CsvTable t = read_format(path, labels_format());
  std::vector<LabelRow> out;
  out.reserve(t.rows.size());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    LabelRow l;
    l.index = integer_cell(t, r, "index");
    l.true_label = static_cast<int32_t>(integer_cell(t, r, "true_label"));
    l.corrupted_label = static_cast<int32_t>(integer_cell(t, r, "corrupted_label"));
    out.push_back(l);
  }
  return out;
}

}  // namespace mp::app
