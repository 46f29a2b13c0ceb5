#include "apps/report/reference_results.h"

#include <cmath>

#include "reference_results_data.h"
#include "tensor/check.h"
#include "tensor/io/csv.h"

namespace mp::app {

int64_t PublishedValue::level_micro() const {
  return std::llround(level * 1e6);
}

std::string PublishedValue::display() const {
  return layer.empty() ? text : text + " (" + layer + ")";
}

const char* published_results_csv() {
  return kReferenceResultsCsv;
}

std::vector<PublishedValue> parse_published_results(const std::string& csv_text,
                                                    const std::string& name) {
  const CsvTable t = parse_csv(csv_text, name);
  std::vector<PublishedValue> out;
  out.reserve(t.rows.size());
  for (size_t i = 0; i < t.rows.size(); ++i) {
    PublishedValue v;
    v.dataset = t.at(i, "dataset");
    v.model = t.at(i, "model");
    v.level = t.number(i, "level");
    v.metric = t.at(i, "metric");
    v.subspace = t.at(i, "subspace");
    v.layer = t.at(i, "layer");
    v.aggregation = t.at(i, "aggregation");
    v.text = t.at(i, "value");
    v.value = t.number(i, "value");
    v.source = t.at(i, "source");
    MP_CHECK(!v.dataset.empty() && !v.model.empty() && !v.metric.empty() && !v.source.empty() &&
                 std::isfinite(v.value) && v.level >= 0 && v.level <= 1,
             name << " line " << t.row_line[i] << ": incomplete or out-of-range row");
    out.push_back(std::move(v));
  }
  return out;
}

const std::vector<PublishedValue>& published_results() {
  static const std::vector<PublishedValue> table =
      parse_published_results(kReferenceResultsCsv, "docs/reference_results.csv (compiled in)");
  return table;
}

const PublishedValue* find_published(const std::vector<PublishedValue>& table,
                                     const std::string& dataset, const std::string& model,
                                     double level, const std::string& metric,
                                     const std::string& subspace) {
  const int64_t lm = std::llround(level * 1e6);
  for (const auto& v : table)
    if (v.dataset == dataset && v.model == model && v.level_micro() == lm && v.metric == metric &&
        v.subspace == subspace)
      return &v;
  return nullptr;
}

bool has_published(const std::vector<PublishedValue>& table, const std::string& dataset,
                   const std::string& model) {
  for (const auto& v : table)
    if (v.dataset == dataset && v.model == model) return true;
  return false;
}

}  // namespace mp::app
