#include "apps/report/plot_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "probes/layer_probes.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string safe(const std::string& s) {
  std::string o;
  for (char c : s)
    o += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '-';
  return o;
}

std::string cell(double v) {
  return std::isnan(v) ? "" : exact_number(v);
}

using GroupKey = std::tuple<std::string, std::string, int64_t>;  // dataset, model, level_micro

std::map<GroupKey, std::vector<const RunData*>> group_runs(const std::vector<RunData>& runs) {
  std::map<GroupKey, std::vector<const RunData*>> g;
  for (const auto& r : runs) g[{r.key.dataset, r.key.model, r.key.level_micro()}].push_back(&r);
  return g;
}

// (probe, subspace) pairs drawn in the layer plot, with their column titles.
struct ProbeKind {
  const char* probe;
  const char* subspace;
  const char* column;
  const char* title;
};
constexpr ProbeKind kProbeKinds[] = {
    {"masc", "corrupted", "masc_corrupted", "MASC (corrupted subspaces)"},
    {"masc", "true", "masc_true", "MASC (true subspaces)"},
    {"linear", "corrupted", "linear", "linear probe"},
    {"ncm", "corrupted", "ncm", "NCM"},
    {"logreg", "corrupted", "logreg", "logistic regression"},
};

// (a) one CSV per (dataset, model, level): rows = layers in network order.
PlotSpec layer_plot(const std::vector<const RunData*>& group, const fs::path& dir) {
  const RunData& first = *group.front();
  std::vector<std::string> layers;
  for (const RunData* r : group)
    for (const auto& l : r->layers())
      if (std::find(layers.begin(), layers.end(), l) == layers.end()) layers.push_back(l);

  PlotSpec spec;
  spec.name = "layers_" + plot_stem(first.key.dataset, first.key.model, first.key.level);
  spec.title = first.key.dataset + " " + first.key.model + ", corruption " +
               level_string(first.key.level) + ": test accuracy by layer (mean over " +
               std::to_string(group.size()) + " seed" + (group.size() > 1 ? "s" : "") + ")";
  spec.xlabel = "layer";
  spec.x_col = 2;
  spec.x_axis = PlotXAxis::Categorical;

  std::vector<std::string> header = {"layer_index", "layer", "model_test_acc", "model_test_acc_sd"};
  for (const auto& k : kProbeKinds) {
    header.push_back(k.column);
    header.push_back(std::string(k.column) + "_sd");
  }
  CsvWriter w((dir / (spec.name + ".csv")).string(), header);
  std::vector<double> model_acc;
  for (const RunData* r : group)
    if (const MetricsRow* m = r->final_metrics()) model_acc.push_back(m->test_acc);
  const Stat model = mean_sd(model_acc);
  for (size_t li = 0; li < layers.size(); ++li) {
    std::vector<std::string> row = {std::to_string(li), layers[li], cell(model.mean),
                                    cell(model.sd)};
    for (const auto& k : kProbeKinds) {
      std::vector<double> v;
      for (const RunData* r : group) {
        const auto e = r->probe_epoch();
        if (!e) continue;
        for (const ProbeRow* p : r->probe_rows(*e, k.probe, k.subspace))
          if (p->layer == layers[li]) v.push_back(p->test_acc);
      }
      const Stat s = mean_sd(v);
      row.push_back(cell(s.mean));
      row.push_back(cell(s.sd));
    }
    w.row(row);
  }
  w.close();
  spec.series.push_back({"model (output)", 3, 4, true});
  int col = 5;
  for (const auto& k : kProbeKinds) {
    spec.series.push_back({k.title, col, col + 1, false});
    col += 2;
  }
  return spec;
}

// (b) one CSV per (dataset, model): rows = corruption levels. The published_* columns hold the
// authors' numbers (fractions) where the row was compared with them (report_reference.h), else
// stay empty; they are drawn as unconnected points in their curve's colour.
PlotSpec level_plot(const std::vector<const SummaryRow*>& rows, const PublishedComparison* pub,
                    const fs::path& dir) {
  PlotSpec spec;
  spec.name = "levels_" + plot_stem(rows.front()->dataset, rows.front()->model);
  spec.title = rows.front()->dataset + " " + rows.front()->model +
               ": test accuracy against label corruption (best layer for probes)";
  spec.xlabel = "corruption level p";
  spec.x_col = 1;
  // (published column, metric, subspace, series title); the CSV's columns 11-14 in this order.
  const std::tuple<const char*, const char*, const char*, const char*> kPublished[] = {
      {"published_model_test_acc", "model", "", "model, published"},
      {"published_masc_corrupted", "masc", "corrupted", "MASC (best layer), published"},
      {"published_linear", "linear", "corrupted", "linear probe (best layer), published"},
      {"published_edited_test_acc", "edited", "", "edited model, published"}};
  std::vector<std::string> header = {
      "level",  "model_test_acc", "model_test_acc_sd", "masc_corrupted",     "masc_corrupted_sd",
      "linear", "linear_sd",      "edited_test_acc",   "edited_test_acc_sd", "n_seeds"};
  for (const auto& p : kPublished) header.push_back(std::get<0>(p));
  CsvWriter w((dir / (spec.name + ".csv")).string(), header);
  bool any_published[4] = {false, false, false, false};
  for (const SummaryRow* r : rows) {
    std::vector<std::string> row = {level_string(r->level),      cell(r->model_test_acc.mean),
                                    cell(r->model_test_acc.sd),  cell(r->masc_corrupted.mean),
                                    cell(r->masc_corrupted.sd),  cell(r->linear.mean),
                                    cell(r->linear.sd),          cell(r->edited_test_acc.mean),
                                    cell(r->edited_test_acc.sd), std::to_string(r->n_seeds)};
    for (int i = 0; i < 4; ++i) {
      const auto& [col, metric, subspace, title] = kPublished[i];
      const double v =
          pub ? pub->published_fraction(r->dataset, r->model, r->level, metric, subspace) : kNaN;
      any_published[i] |= !std::isnan(v);
      row.push_back(cell(v));
    }
    w.row(row);
  }
  w.close();
  spec.series = {{"model", 2, 3, false, false, 1},
                 {"MASC (best layer)", 4, 5, false, false, 2},
                 {"linear probe (best layer)", 6, 7, false, false, 3},
                 {"edited model", 8, 9, false, false, 4}};
  // Published series only where a row was compared: a report of other settings keeps its legend.
  for (int i = 0; i < 4; ++i)
    if (any_published[i])
      spec.series.push_back({std::get<3>(kPublished[i]), 11 + i, 0, false, true, i + 1});
  return spec;
}

// An epoch's values while dynamics.csv is read: the input layer's probes are kept apart, as
// the fallback for a run whose hidden layers were not probed.
struct EpochValues {
  double model = kNaN, masc = kNaN, linear = kNaN, edited = kNaN;
  double masc_input = kNaN, linear_input = kNaN;
};

double max_nan(double a, double b) {
  return std::isnan(a) ? b : std::isnan(b) ? a : std::max(a, b);
}

// (c) one CSV per (dataset, model, level): rows = epochs; nullopt-like empty name if no data.
PlotSpec dynamics_plot(const std::vector<const RunData*>& group, const fs::path& dir) {
  const RunData& first = *group.front();
  std::map<int, std::vector<EpochAccuracies>> by_epoch;
  for (const RunData* r : group)
    for (const auto& [e, v] : run_dynamics(*r)) by_epoch[e].push_back(v);
  PlotSpec spec;
  if (by_epoch.empty()) return spec;
  spec.name = "dynamics_" + plot_stem(first.key.dataset, first.key.model, first.key.level);
  spec.title = first.key.dataset + " " + first.key.model + ", corruption " +
               level_string(first.key.level) + ": test accuracy during training";
  spec.xlabel = "epoch (log scale; 0 = initialisation)";
  spec.x_col = 1;
  spec.x_axis = PlotXAxis::LogPlusOne;
  // Round epochs up to the last one, and the last one itself so the axis end is labelled.
  const int last = by_epoch.rbegin()->first;
  for (int t : {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000})
    if (t < last) spec.x_ticks.push_back(t);
  spec.x_ticks.push_back(last);
  CsvWriter w((dir / (spec.name + ".csv")).string(),
              {"epoch", "model_test_acc", "model_test_acc_sd", "masc_best", "masc_best_sd",
               "linear_best", "linear_best_sd", "edited_test_acc", "edited_test_acc_sd"});
  for (const auto& [epoch, vals] : by_epoch) {
    std::vector<std::string> row = {std::to_string(epoch)};
    for (double EpochAccuracies::*field : {&EpochAccuracies::model, &EpochAccuracies::masc,
                                           &EpochAccuracies::linear, &EpochAccuracies::edited}) {
      std::vector<double> v;
      for (const auto& x : vals) v.push_back(x.*field);
      const Stat s = mean_sd(v);
      row.push_back(cell(s.mean));
      row.push_back(cell(s.sd));
    }
    w.row(row);
  }
  w.close();
  spec.series = {{"model", 2, 3, false},
                 {"MASC (best layer)", 4, 5, false},
                 {"linear probe (best layer)", 6, 7, false},
                 {"edited model", 8, 9, true}};
  return spec;
}

}  // namespace

std::map<int, EpochAccuracies> run_dynamics(const RunData& r) {
  std::map<int, EpochValues> out;
  for (const auto& d : r.dynamics) {
    if (d.metric != "test_acc") continue;
    EpochValues& v = out[d.epoch];
    if (d.probe == "model")
      v.model = d.value;
    else if (d.probe == "edited")
      v.edited = d.value;
    else if (d.probe == "masc" || d.probe == "linear") {
      // Best hidden layer, as in the summary (report_summary.h); the input is the baseline.
      const bool input = probes::is_input_layer(d.layer);
      double& slot =
          d.probe == "masc" ? (input ? v.masc_input : v.masc) : (input ? v.linear_input : v.linear);
      slot = max_nan(slot, d.value);
    }
  }
  for (auto& [e, v] : out) {
    if (std::isnan(v.masc)) v.masc = v.masc_input;
    if (std::isnan(v.linear)) v.linear = v.linear_input;
  }
  // Without dynamics rows for the model, metrics.csv still has its test accuracy per epoch.
  bool any_model = false;
  for (const auto& [e, v] : out) any_model |= !std::isnan(v.model);
  if (!any_model)
    for (const auto& m : r.metrics) out[m.epoch].model = m.test_acc;
  std::map<int, EpochAccuracies> acc;
  for (const auto& [e, v] : out) acc[e] = {v.model, v.masc, v.linear, v.edited};
  return acc;
}

std::string plot_stem(const std::string& dataset, const std::string& model) {
  return safe(dataset) + "_" + safe(model);
}

std::string plot_stem(const std::string& dataset, const std::string& model, double level) {
  return plot_stem(dataset, model) + "_p" + safe(level_string(level));
}

std::vector<PlotSpec> write_plot_data(const std::vector<RunData>& runs,
                                      const std::vector<SummaryRow>& summary, const fs::path& dir,
                                      const PublishedComparison* published) {
  std::vector<PlotSpec> specs;
  std::error_code ec;
  fs::create_directories(dir, ec);
  MP_CHECK(!ec, "cannot create plot directory '" << dir.string() << "': " << ec.message());

  // (b) first: the overview a reader wants before the per-level detail.
  std::map<std::pair<std::string, std::string>, std::vector<const SummaryRow*>> by_model;
  for (const auto& r : summary) by_model[{r.dataset, r.model}].push_back(&r);
  for (const auto& [k, rows] : by_model) specs.push_back(level_plot(rows, published, dir));

  for (const auto& [k, group] : group_runs(runs)) {
    bool any_probe = false;
    for (const RunData* r : group) any_probe |= !r->probes.empty();
    if (any_probe) specs.push_back(layer_plot(group, dir));
    PlotSpec d = dynamics_plot(group, dir);
    if (!d.name.empty()) specs.push_back(d);
  }
  return specs;
}

}  // namespace mp::app
