#include "apps/report/difference_notes.h"

#include "tensor/check.h"

namespace mp::app {

namespace fs = std::filesystem;

const FileFormat& difference_notes_format() {
  static const FileFormat f = {
      "differences.csv",
      "notes on the differences from the published numbers beyond 2 points (read by report)",
      {{"dataset", "the published row's dataset (mnist, cifar10, ...)"},
       {"model", "the published row's model (mlp, cnn, ...)"},
       {"level", "the corruption level p"},
       {"metric", "the published row's metric: model, masc, linear, edited, ncm, logreg"},
       {"subspace", "corrupted or true for the probes, empty for model and edited"},
       {"status", "explained (a measurement accounts for it) or open"},
       {"note", "one sentence: the measurement and its numbers, or what is still unknown"}}};
  return f;
}

std::vector<DifferenceNote> read_difference_notes(const fs::path& path) {
  const CsvTable t = read_format(path, difference_notes_format());
  std::vector<DifferenceNote> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    DifferenceNote n;
    n.dataset = text_cell(t, r, "dataset");
    n.model = text_cell(t, r, "model");
    n.level = t.number(r, "level");
    n.metric = text_cell(t, r, "metric");
    n.subspace = text_cell(t, r, "subspace");
    n.status = text_cell(t, r, "status");
    n.note = text_cell(t, r, "note");
    n.source = path.string();
    const std::string where = path.string() + " line " + std::to_string(r + 2);
    MP_CHECK(n.status == "explained" || n.status == "open",
             where << ": status must be 'explained' or 'open', got '" << n.status << "'");
    MP_CHECK(!n.note.empty(), where << ": empty note (say what explains it, or what is open)");
    MP_CHECK(n.level >= 0 && n.level <= 1, where << ": level " << n.level << " not in [0, 1]");
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<DifferenceNote> find_difference_notes(const std::vector<fs::path>& dirs) {
  std::vector<DifferenceNote> out;
  for (const fs::path& d : dirs) {
    const fs::path p = d / difference_notes_format().file;
    if (!fs::exists(p)) continue;
    std::vector<DifferenceNote> n = read_difference_notes(p);
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

}  // namespace mp::app
