#include "apps/run/dynamics_results.h"

#include "tensor/io/csv.h"

namespace mp::app {

const FileFormat& dynamics_format() {
  static const FileFormat f = {
      "dynamics.csv",
      "the model, the probes and the edited model over the checkpoints, one row per value",
      {{"epoch", "checkpoint epoch"},
       {"layer", "probed layer; output for the model; the edited layer for edited"},
       {"probe", "model | masc | masc_true | linear | ncm | logreg | edited"},
       {"metric", "test_acc | train_acc_corrupted | train_acc_true"},
       {"value", "the accuracy (fraction)"}}};
  return f;
}

bool DynamicsRow::operator==(const DynamicsRow& o) const {
  return epoch == o.epoch && layer == o.layer && probe == o.probe && metric == o.metric &&
         same_number(value, o.value);
}

void write_dynamics_csv(const std::filesystem::path& path, const std::vector<DynamicsRow>& rows) {
  std::vector<std::vector<std::string>> cells;
  for (const DynamicsRow& d : rows)
    cells.push_back({std::to_string(d.epoch), d.layer, d.probe, d.metric, csv_number(d.value)});
  upsert_format(path, dynamics_format(), 4, cells);
}

std::vector<DynamicsRow> read_dynamics_csv(const std::filesystem::path& path) {
  std::vector<DynamicsRow> out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  const CsvTable t = read_format(path, dynamics_format());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    DynamicsRow d;
    d.epoch = static_cast<int>(integer_cell(t, r, "epoch"));
    d.layer = t.at(r, "layer");
    d.probe = t.at(r, "probe");
    d.metric = t.at(r, "metric");
    d.value = number_or_nan(t, r, "value");
    out.push_back(d);
  }
  return out;
}

}  // namespace mp::app
