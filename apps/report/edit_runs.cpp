#include "apps/report/edit_runs.h"

#include <cmath>
#include <map>

#include "apps/report/plot_data.h"
#include "apps/report/summary.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const MetricsRow* row_at(const RunData& r, int epoch) {
  for (const MetricsRow& m : r.metrics)
    if (m.epoch == epoch) return &m;
  return nullptr;
}

const TransferRow* edit_row(const RunData& r) {
  for (const TransferRow& t : r.transfer)
    if (t.epoch == r.key.edit_at) return &t;
  return nullptr;
}

std::string pct(double v) {
  return std::isnan(v) ? "not computed" : format_percent(v, 2);
}

std::string cell(double v) {
  return std::isnan(v) ? "" : csv_number(v);
}

// The run's curve from its edit on: the edited model at the edit epoch, then metrics.csv.
struct Point {
  double test = kNaN, train_corrupted = kNaN;
};
std::map<int, Point> curve(const RunData& r) {
  std::map<int, Point> out;
  if (const TransferRow* t = edit_row(r))
    out[r.key.edit_at] = {t->test_acc, t->train_acc_corrupted};
  for (const MetricsRow& m : r.metrics)
    if (m.epoch > r.key.edit_at) out[m.epoch] = {m.test_acc, m.train_acc_corrupted};
  return out;
}

}  // namespace

std::vector<std::vector<const RunData*>> edit_run_groups(const std::vector<RunData>& runs) {
  std::map<RunKey, std::vector<const RunData*>> by;
  for (const RunData& r : runs) {
    RunKey k = r.key;
    k.edit_at = -1;
    by[k].push_back(&r);  // runs are sorted by key, so by edit epoch within a group
  }
  std::vector<std::vector<const RunData*>> out;
  for (auto& [k, g] : by) out.push_back(g);
  return out;
}

std::string edit_plot_name(const RunData& first) {
  return "edit_" + plot_stem(first.key.dataset, first.key.model, first.key.level) + "_s" +
         std::to_string(first.key.seed);
}

std::vector<PlotSpec> write_edit_plot_data(const std::vector<RunData>& runs, const fs::path& dir) {
  std::vector<PlotSpec> specs;
  for (const auto& group : edit_run_groups(runs)) {
    const RunData& first = *group.front();
    std::map<int, std::vector<Point>> rows;  // epoch -> one point per run (NaN when absent)
    std::vector<std::string> header = {"epoch"};
    PlotSpec spec;
    for (size_t i = 0; i < group.size(); ++i) {
      const std::string e = std::to_string(group[i]->key.edit_at);
      header.push_back("test_acc_edit" + e);
      header.push_back("train_acc_corrupted_edit" + e);
      for (const auto& [epoch, p] : curve(*group[i])) {
        auto& v = rows[epoch];
        v.resize(group.size());
        v[i] = p;
      }
      const int col = 2 + 2 * static_cast<int>(i);
      spec.series.push_back(
          {"test, edited at epoch " + e, col, 0, false, false, static_cast<int>(i) + 1});
      spec.series.push_back({"train (corrupted labels), edited at " + e, col + 1, 0, true, false,
                             static_cast<int>(i) + 1});
    }
    if (rows.empty()) continue;
    spec.name = edit_plot_name(first);
    spec.title = first.key.dataset + " " + first.key.model + ", corruption " +
                 level_string(first.key.level) + ", seed " + std::to_string(first.key.seed) +
                 ": training after the edit";
    spec.xlabel = "epoch (log scale; 0 = initialisation)";
    spec.x_axis = PlotXAxis::LogPlusOne;
    const int last = rows.rbegin()->first;
    for (int t : {0, 1, 2, 5, 10, 20, 40, 100, 200, 500})
      if (t < last) spec.x_ticks.push_back(t);
    spec.x_ticks.push_back(last);
    CsvWriter w((dir / (spec.name + ".csv")).string(), header);
    for (auto& [epoch, points] : rows) {
      points.resize(group.size());
      std::vector<std::string> row = {std::to_string(epoch)};
      for (const Point& p : points) {
        row.push_back(cell(p.test));
        row.push_back(cell(p.train_corrupted));
      }
      w.row(row);
    }
    w.close();
    specs.push_back(spec);
  }
  return specs;
}

Table edit_runs_table(const std::vector<const RunData*>& group) {
  Table t({"edited at epoch", "end epoch", "before the edit", "edited model", "one epoch later",
           "best after the edit", "at the end", "train (corrupted), end", "train (true), end"});
  for (const RunData* r : group) {
    const int e = r->key.edit_at;
    const MetricsRow* before = row_at(*r, e);
    const MetricsRow* next = row_at(*r, e + 1);
    const MetricsRow* last = r->metrics.empty() ? nullptr : &r->metrics.back();
    const TransferRow* edited = edit_row(*r);
    const MetricsRow* best = nullptr;
    for (const MetricsRow& m : r->metrics)
      if (m.epoch > e && (!best || m.test_acc > best->test_acc)) best = &m;
    t.add_row(
        {std::to_string(e),
         std::to_string(static_cast<int>(r->manifest.config_num("end_epoch", kNaN))),
         pct(before ? before->test_acc : kNaN), pct(edited ? edited->test_acc : kNaN),
         pct(next ? next->test_acc : kNaN),
         best ? pct(best->test_acc) + " (epoch " + std::to_string(best->epoch) + ")" : pct(kNaN),
         last ? pct(last->test_acc) + " (epoch " + std::to_string(last->epoch) + ")" : pct(kNaN),
         pct(last ? last->train_acc_corrupted : kNaN), pct(last ? last->train_acc_true : kNaN)});
  }
  return t;
}

}  // namespace mp::app
