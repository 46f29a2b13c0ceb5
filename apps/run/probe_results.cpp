#include "apps/run/probe_results.h"

#include "probes/layer_probes.h"
#include "tensor/io/csv.h"

namespace mp::app {

const FileFormat& probes_format() {
  static const FileFormat f = {
      "probes.csv",
      "per-layer probe accuracies, one row per (epoch, layer, probe, subspace, rule)",
      {{"epoch", "checkpoint the probe was fitted on"},
       {"layer", "probed layer, post-ReLU (input = the pixels)"},
       {"probe", "the probe's name: masc, linear, ncm, logreg, ... (probes::probe_layer)"},
       {"subspace", "masc: corrupted or true labels for the subspaces; corrupted otherwise"},
       // Optional: files written before the tau ablation lack it (their masc rows: tau=0.99).
       // Placed in the key, before the values, because upsert keys on the leading columns.
       {"rule", "masc: component rule, tau=<fraction> or k=<count>; empty otherwise (key)", true},
       {"test_acc", "test accuracy, true labels (fraction)"},
       {"train_acc_corrupted", "training accuracy vs the corrupted labels (fraction)"},
       {"train_acc_true", "training accuracy vs the true labels (fraction)"},
       {"k_per_class", "masc: subspace dimension of each class, space separated; else empty"},
       {"best", "1 on the best hidden layer of this (epoch, probe, subspace, rule), else 0"},
       {"params", "what the probe chose, e.g. lda: within_rank=, rank=; qda: reg=; else empty",
        true}}};
  return f;
}

const std::vector<std::string>& probes_csv_header() {
  static const std::vector<std::string> h = probes_format().header();
  return h;
}

bool ProbeRow::operator==(const ProbeRow& o) const {
  return epoch == o.epoch && layer == o.layer && probe == o.probe && subspace == o.subspace &&
         rule == o.rule && same_number(test_acc, o.test_acc) &&
         same_number(train_acc_corrupted, o.train_acc_corrupted) &&
         same_number(train_acc_true, o.train_acc_true) && k_per_class == o.k_per_class &&
         best == o.best && params == o.params;
}

std::string join_ints(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s;
}

std::vector<ProbeRow> probe_rows(int epoch, const std::vector<probes::ProbeResult>& results) {
  const std::vector<bool> best = probes::best_layers(results);
  std::vector<ProbeRow> rows;
  for (size_t i = 0; i < results.size(); ++i) {
    const probes::ProbeResult& p = results[i];
    ProbeRow r;
    r.epoch = epoch;
    r.layer = p.layer;
    r.probe = p.probe;
    r.subspace = p.subspace;
    r.rule = p.rule;
    r.test_acc = p.test_acc;
    r.train_acc_corrupted = p.train_acc_corrupted;
    r.train_acc_true = p.train_acc_true;
    r.k_per_class = join_ints(p.k_per_class);
    r.best = best[i];
    r.params = p.params;
    rows.push_back(r);
  }
  return rows;
}

const char* const kLegacyMascRule = "tau=0.99";

namespace {
std::vector<std::string> probe_cells(const ProbeRow& p) {
  return {std::to_string(p.epoch),
          p.layer,
          p.probe,
          p.subspace,
          p.rule,
          csv_number(p.test_acc),
          csv_number(p.train_acc_corrupted),
          csv_number(p.train_acc_true),
          p.k_per_class,
          p.best ? "1" : "0",
          p.params};
}
}  // namespace

void write_probes_csv(const std::filesystem::path& path, const std::vector<ProbeRow>& rows) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) &&
      !has_column(read_format(path, probes_format()), "rule")) {
    // upsert_format would give the old masc rows an empty rule, and a new tau=0.99 row would then
    // sit beside the old one of the same measurement instead of replacing it: fill the rule the
    // old rows were fitted with first.
    const std::vector<ProbeRow> old = read_probes_csv(path);
    CsvWriter w(path.string(), probes_csv_header());
    for (const ProbeRow& p : old) w.row(probe_cells(p));
    w.close();
  }
  std::vector<std::vector<std::string>> cells;
  for (const ProbeRow& p : rows) cells.push_back(probe_cells(p));
  upsert_format(path, probes_format(), 5, cells);
}

std::vector<ProbeRow> read_probes_csv(const std::filesystem::path& path) {
  std::vector<ProbeRow> out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  const CsvTable t = read_format(path, probes_format());
  const bool has_rule = has_column(t, "rule");
  for (size_t r = 0; r < t.rows.size(); ++r) {
    ProbeRow p;
    p.epoch = static_cast<int>(integer_cell(t, r, "epoch"));
    p.layer = t.at(r, "layer");
    p.probe = t.at(r, "probe");
    p.subspace = t.at(r, "subspace");
    if (p.subspace.empty()) p.subspace = "corrupted";  // every probe but MASC fits on those
    if (has_rule)
      p.rule = t.at(r, "rule");
    else if (p.probe == "masc")
      p.rule = kLegacyMascRule;
    p.test_acc = number_or_nan(t, r, "test_acc");
    p.train_acc_corrupted = number_or_nan(t, r, "train_acc_corrupted");
    p.train_acc_true = number_or_nan(t, r, "train_acc_true");
    p.k_per_class = t.at(r, "k_per_class");
    p.best = t.at(r, "best") == "1";
    p.params = text_cell(t, r, "params", "");
    out.push_back(p);
  }
  return out;
}

std::string primary_rule(const std::vector<ProbeRow>& rows) {
  std::string first;
  bool any = false;
  for (const ProbeRow& p : rows) {
    if (p.probe != "masc") continue;
    if (p.rule == kLegacyMascRule) return p.rule;
    if (!any) first = p.rule;
    any = true;
  }
  return first;
}

std::vector<ProbeRow> primary_rule_rows(const std::vector<ProbeRow>& rows) {
  const std::string keep = primary_rule(rows);
  std::vector<ProbeRow> out;
  for (const ProbeRow& p : rows)
    if (p.probe != "masc" || p.rule == keep) out.push_back(p);
  return out;
}

Table probe_results_table(const std::vector<probes::ProbeResult>& results) {
  const std::vector<bool> best = probes::best_layers(results);
  std::string first_rule;
  bool several_rules = false;
  for (const auto& r : results) {
    if (r.probe != "masc") continue;
    if (first_rule.empty()) first_rule = r.rule;
    several_rules = several_rules || r.rule != first_rule;
  }
  std::vector<std::string> head = {"layer", "probe", "subspace"};
  if (several_rules) head.push_back("rule");
  for (const char* h : {"test_acc", "train_acc_corrupted", "train_acc_true", "k_per_class", "best"})
    head.push_back(h);
  Table t(head);
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    // NaN: not measured (probe-arrays without true training labels).
    auto pct = [](double v) { return v == v ? format_percent(v) : std::string("-"); };
    std::vector<std::string> row = {r.layer, r.probe, r.subspace};
    if (several_rules) row.push_back(r.rule);
    for (std::string c : {pct(r.test_acc), pct(r.train_acc_corrupted), pct(r.train_acc_true),
                          join_ints(r.k_per_class), std::string(best[i] ? "*" : "")})
      row.push_back(c);
    t.add_row(row);
  }
  return t;
}

}  // namespace mp::app
