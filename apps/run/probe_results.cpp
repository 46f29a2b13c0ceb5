#include "apps/run/probe_results.h"

#include "probes/layer_probes.h"
#include "tensor/io/csv.h"

namespace mp::app {

const std::vector<std::string>& probes_csv_header() {
  static const std::vector<std::string> h = {"epoch",          "layer",       "probe",
                                             "subspace",       "test_acc",    "train_acc_corrupted",
                                             "train_acc_true", "k_per_class", "best"};
  return h;
}

std::string join_ints(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s;
}

void write_probes_csv(const std::string& path, int epoch,
                      const std::vector<probes::ProbeResult>& results) {
  const std::vector<bool> best = probes::best_layers(results);
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& p = results[i];
    rows.push_back({std::to_string(epoch), p.layer, p.probe, p.subspace, csv_number(p.test_acc),
                    csv_number(p.train_acc_corrupted), csv_number(p.train_acc_true),
                    join_ints(p.k_per_class), best[i] ? "1" : "0"});
  }
  upsert_csv(path, probes_csv_header(), 4, rows);
}

Table probe_results_table(const std::vector<probes::ProbeResult>& results) {
  const std::vector<bool> best = probes::best_layers(results);
  Table t({"layer", "probe", "subspace", "test_acc", "train_acc_corrupted", "train_acc_true",
           "k_per_class", "best"});
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    // NaN: not measured (probe-arrays without true training labels).
    auto pct = [](double v) { return v == v ? format_percent(v) : std::string("-"); };
    t.add_row({r.layer, r.probe, r.subspace, pct(r.test_acc), pct(r.train_acc_corrupted),
               pct(r.train_acc_true), join_ints(r.k_per_class), best[i] ? "*" : ""});
  }
  return t;
}

}  // namespace mp::app
