#include "apps/report/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <tuple>

#include "probes/layer_probes.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

std::string exact_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string level_string(double level) {
  return exact_number(level);
}

Stat mean_sd(const std::vector<double>& v) {
  Stat s;
  double sum = 0;
  for (double x : v)
    if (!std::isnan(x)) sum += x, ++s.n;
  s.mean = s.n > 0 ? sum / s.n : kNaN;
  s.sd = kNaN;
  if (s.n >= 2) {
    double ss = 0;
    for (double x : v)
      if (!std::isnan(x)) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

const ProbeRow* best_layer(const RunData& run, const std::string& probe,
                           const std::string& subspace) {
  const auto epoch = run.probe_epoch();
  if (!epoch) return nullptr;
  const ProbeRow* best = nullptr;
  for (const ProbeRow* p : run.probe_rows(*epoch, probe, subspace)) {
    if (std::isnan(p->test_acc)) continue;
    if (!best || probes::better_layer(p->layer, p->test_acc, best->layer, best->test_acc)) best = p;
  }
  return best;
}

const ProbeRow* input_layer_row(const RunData& run, const std::string& probe,
                                const std::string& subspace) {
  const auto epoch = run.probe_epoch();
  if (!epoch) return nullptr;
  for (const ProbeRow* p : run.probe_rows(*epoch, probe, subspace))
    if (probes::is_input_layer(p->layer) && !std::isnan(p->test_acc)) return p;
  return nullptr;
}

const TransferRow* final_transfer(const RunData& run) {
  if (run.transfer.empty()) return nullptr;
  int last = run.transfer.front().epoch;
  for (const auto& t : run.transfer) last = std::max(last, t.epoch);
  const TransferRow* pick = nullptr;
  for (const auto& t : run.transfer) {
    if (t.epoch != last) continue;
    if (!pick || (t.bias == "zero" && pick->bias != "zero")) pick = &t;
  }
  return pick;
}

namespace {

// The reference's rule across runs (docs/method.md, "Best layer over seeds"): average each
// layer over the seeds first, then take the best layer of those means (a hidden layer before
// the input layer, which is the model-independent baseline with its own columns). Averaging
// each seed's own best instead is biased upward when layers are close. Returns that layer's
// mean and sd over the seeds that have it.
Stat probe_stat(const std::vector<const RunData*>& group, const std::string& probe,
                const std::string& subspace) {
  std::vector<std::string> order;  // network order of layers
  std::map<std::string, std::vector<double>> per_layer;
  for (const RunData* r : group) {
    const auto epoch = r->probe_epoch();
    if (!epoch) continue;
    for (const ProbeRow* p : r->probe_rows(*epoch, probe, subspace)) {
      if (std::isnan(p->test_acc)) continue;
      if (!per_layer.count(p->layer)) order.push_back(p->layer);
      per_layer[p->layer].push_back(p->test_acc);
    }
  }
  Stat best;
  best.mean = best.sd = kNaN;
  for (const std::string& l : order) {
    const Stat s = mean_sd(per_layer.at(l));
    if (std::isnan(best.mean) || probes::better_layer(l, s.mean, best.layer, best.mean)) {
      best = s;
      best.layer = l;
    }
  }
  return best;
}

}  // namespace

std::vector<SummaryRow> summarize(const std::vector<RunData>& runs) {
  // Group by (dataset, model, level); std::map keeps the output sorted.
  std::map<std::tuple<std::string, std::string, int64_t>, std::vector<const RunData*>> groups;
  for (const auto& r : runs)
    groups[{r.key.dataset, r.key.model, r.key.level_micro()}].push_back(&r);

  std::vector<SummaryRow> out;
  for (auto& [k, group] : groups) {
    std::sort(group.begin(), group.end(),
              [](const RunData* a, const RunData* b) { return a->key.seed < b->key.seed; });
    SummaryRow row;
    row.dataset = group.front()->key.dataset;
    row.model = group.front()->key.model;
    row.level = group.front()->key.level;
    row.n_seeds = static_cast<int>(group.size());
    std::vector<double> model_acc, train_corr, edited;
    for (const RunData* r : group) {
      row.seeds.push_back(r->key.seed);
      if (const MetricsRow* m = r->final_metrics()) {
        model_acc.push_back(m->test_acc);
        train_corr.push_back(m->train_acc_corrupted);
      }
      if (const TransferRow* t = final_transfer(*r)) edited.push_back(t->test_acc);
    }
    row.model_test_acc = mean_sd(model_acc);
    row.train_acc_corrupted = mean_sd(train_corr);
    row.edited_test_acc = mean_sd(edited);
    row.masc_corrupted = probe_stat(group, "masc", "corrupted");
    row.masc_true = probe_stat(group, "masc", "true");
    row.linear = probe_stat(group, "linear", "corrupted");
    row.ncm = probe_stat(group, "ncm", "corrupted");
    row.logreg = probe_stat(group, "logreg", "corrupted");
    for (auto [stat, probe] : {std::pair{&row.masc_input, "masc"}, {&row.linear_input, "linear"}}) {
      std::vector<double> v;
      for (const RunData* r : group)
        if (const ProbeRow* p = input_layer_row(*r, probe, "corrupted")) v.push_back(p->test_acc);
      *stat = mean_sd(v);
    }
    out.push_back(std::move(row));
  }
  return out;
}

const FileFormat& summary_format() {
  static const FileFormat f = {
      "summary.csv",
      "one row per (dataset, model, corruption level): final-epoch values over the seeds",
      {{"dataset", "the group's dataset"},
       {"model", "the group's model"},
       {"level", "corruption level p"},
       {"n_seeds", "number of runs (seeds) in the group"},
       {"model_test_acc", "the trained model's test accuracy, mean over seeds (fraction)"},
       {"model_test_acc_sd", "its sample standard deviation (n-1) over seeds"},
       {"masc_corrupted", "MASC (corrupted-label subspaces) at the best hidden layer, mean"},
       {"masc_corrupted_sd", "its sample sd over seeds"},
       {"masc_corrupted_layer", "the best hidden layer: highest mean over seeds"},
       {"masc_true", "MASC with subspaces from the true labels, best layer, mean"},
       {"masc_true_sd", "its sample sd over seeds"},
       {"masc_true_layer", "its best hidden layer"},
       {"linear", "the linear probe, best layer, mean"},
       {"linear_sd", "its sample sd over seeds"},
       {"linear_layer", "its best hidden layer"},
       {"ncm", "nearest class mean, best layer, mean"},
       {"ncm_sd", "its sample sd over seeds"},
       {"ncm_layer", "its best hidden layer"},
       {"logreg", "logistic regression, best layer, mean"},
       {"logreg_sd", "its sample sd over seeds"},
       {"logreg_layer", "its best hidden layer"},
       {"edited_test_acc", "test accuracy of the weight-edited model, mean"},
       {"edited_test_acc_sd", "its sample sd over seeds"},
       {"train_acc_corrupted", "the model's final training accuracy vs the corrupted labels"},
       {"masc_input", "MASC on the input layer (raw pixels, corrupted labels), mean", true},
       {"masc_input_sd", "its sample sd over seeds", true},
       {"linear_input", "the linear probe on the input layer, mean", true},
       {"linear_input_sd", "its sample sd over seeds", true}}};
  return f;
}

static std::string cell(double v) {
  return std::isnan(v) ? "" : exact_number(v);
}

namespace {
// The probe columns in file order: <name>, <name>_sd, <name>_layer.
std::vector<std::pair<const char*, Stat SummaryRow::*>> probe_columns() {
  return {{"masc_corrupted", &SummaryRow::masc_corrupted},
          {"masc_true", &SummaryRow::masc_true},
          {"linear", &SummaryRow::linear},
          {"ncm", &SummaryRow::ncm},
          {"logreg", &SummaryRow::logreg}};
}
}  // namespace

void write_summary_csv(const std::filesystem::path& path, const std::vector<SummaryRow>& rows) {
  CsvWriter w(path.string(), summary_format().header());
  for (const auto& r : rows) {
    std::vector<std::string> c = {r.dataset,
                                  r.model,
                                  level_string(r.level),
                                  std::to_string(r.n_seeds),
                                  cell(r.model_test_acc.mean),
                                  cell(r.model_test_acc.sd)};
    for (const auto& column : probe_columns()) {
      const Stat& s = r.*column.second;
      c.push_back(cell(s.mean));
      c.push_back(cell(s.sd));
      c.push_back(s.layer);
    }
    c.push_back(cell(r.edited_test_acc.mean));
    c.push_back(cell(r.edited_test_acc.sd));
    c.push_back(cell(r.train_acc_corrupted.mean));
    for (const Stat* s : {&r.masc_input, &r.linear_input}) {
      c.push_back(cell(s->mean));
      c.push_back(cell(s->sd));
    }
    w.row(c);
  }
  w.close();
}

std::vector<SummaryRow> read_summary_csv(const std::filesystem::path& path) {
  const CsvTable t = read_format(path, summary_format());
  std::vector<SummaryRow> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    SummaryRow row;
    row.dataset = t.at(r, "dataset");
    row.model = t.at(r, "model");
    row.level = t.number(r, "level");
    row.n_seeds = static_cast<int>(integer_cell(t, r, "n_seeds"));
    auto stat = [&](const std::string& name, bool with_sd, bool with_layer) {
      Stat s;
      s.mean = number_or_nan(t, r, name.c_str());
      s.sd = with_sd ? number_or_nan(t, r, (name + "_sd").c_str()) : kNaN;
      if (with_layer) s.layer = t.at(r, name + "_layer");
      s.n = std::isnan(s.mean) ? 0 : row.n_seeds;
      return s;
    };
    row.model_test_acc = stat("model_test_acc", true, false);
    for (const auto& [name, member] : probe_columns()) row.*member = stat(name, true, true);
    row.edited_test_acc = stat("edited_test_acc", true, false);
    row.train_acc_corrupted = stat("train_acc_corrupted", false, false);
    row.masc_input = stat("masc_input", true, false);
    row.linear_input = stat("linear_input", true, false);
    out.push_back(std::move(row));
  }
  return out;
}

namespace {

// "100", "99.9": a target as a configuration states it, without trailing zeros.
std::string target_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", fraction * 100);
  return buf;
}

// Fills the accuracy the stop rule read at the final epoch. A run logged before metrics.csv had
// the running count only has its evaluation pass, which is then the best statement we have.
void read_stop_accuracy(const RunData& run, StopTarget& s) {
  const MetricsRow* fm = run.final_metrics();
  if (!fm) return;
  const std::string stop_on = run.manifest.config_str("stop_on", "running");
  s.accuracy = stop_metric(*fm, stop_on);
  s.running = stop_on == "running" && fm->epoch > 0;
  if (s.running && std::isnan(s.accuracy)) {
    s.accuracy = fm->train_acc_corrupted;
    s.running = false;
  }
}

// "93.10 % running training accuracy on the corrupted labels"
std::string accuracy_phrase(const StopTarget& s, double level) {
  return format_percent(s.accuracy, 2) + " %" + (s.running ? " running" : "") +
         " training accuracy on " + (level > 0 ? "the corrupted labels" : "its training labels");
}

std::string target_phrase(const StopTarget& s) {
  return std::isnan(s.target) ? "its target" : "its " + target_percent(s.target) + " % target";
}

std::string cap_sentence(const StopTarget& s, double level) {
  const std::string cap =
      s.max_epochs >= 0 ? "the " + std::to_string(s.max_epochs) + "-epoch cap" : "the epoch cap";
  if (std::isnan(s.accuracy))
    return "training stopped at " + cap + " short of " + target_phrase(s) +
           " (its final training accuracy was not recorded)";
  return "training stopped at " + cap + " with " + accuracy_phrase(s, level) + ", short of " +
         target_phrase(s) + ": the model did not " + (level > 0 ? "memorise" : "fit") + " them all";
}

std::string unfinished_sentence(const RunData& run, const StopTarget& s) {
  std::string t = "training is not finished (status " + run.manifest.status() + ")";
  if (s.final_epoch < 0 || std::isnan(s.accuracy)) return t + ", short of " + target_phrase(s);
  t += ": at epoch " + std::to_string(s.final_epoch);
  if (s.max_epochs >= 0) t += " of at most " + std::to_string(s.max_epochs);
  return t + " it has " + accuracy_phrase(s, run.key.level) + ", short of " + target_phrase(s);
}

}  // namespace

StopTarget stop_target(const RunData& run) {
  const Manifest& m = run.manifest;
  StopTarget s;
  s.target = m.config_num("target_train_acc", kNaN);
  const double cap = m.config_num("max_epochs", kNaN);
  if (std::isfinite(cap)) s.max_epochs = static_cast<int>(cap);
  if (const auto e = run.final_epoch()) s.final_epoch = *e;
  s.accuracy = kNaN;
  read_stop_accuracy(run, s);
  const std::string reason = m.str("stop_reason");
  if (m.status() != "finished")
    s.outcome = StopOutcome::Unfinished;
  else if (reason == "target reached")  // the trainer's own words (trainer.cpp)
    s.outcome = StopOutcome::Reached;
  else if (reason == "epoch cap")
    s.outcome = StopOutcome::EpochCap;
  else if (s.accuracy >= s.target)  // false when either is NaN
    s.outcome = StopOutcome::Reached;
  else if (!std::isnan(s.target) && s.max_epochs >= 0 && s.final_epoch >= s.max_epochs)
    s.outcome = StopOutcome::EpochCap;
  return s;
}

std::string stop_target_note(const RunData& run) {
  const StopTarget s = stop_target(run);
  const std::string who = run.key.dataset + "/" + run.key.model + ", level " +
                          level_string(run.key.level) + " (seed " + std::to_string(run.key.seed) +
                          "): ";
  switch (s.outcome) {
    case StopOutcome::EpochCap:
      return who + cap_sentence(s, run.key.level) + ".";
    case StopOutcome::Unfinished:
      return who + unfinished_sentence(run, s) + ".";
    case StopOutcome::Reached:
    case StopOutcome::Unknown:
      break;
  }
  return "";
}

std::vector<std::string> stop_target_notes(const std::vector<RunData>& runs) {
  std::vector<std::string> out;
  for (const RunData& r : runs)
    if (std::string n = stop_target_note(r); !n.empty()) out.push_back(std::move(n));
  return out;
}

bool all_stop_targets_reached(const std::vector<RunData>& runs) {
  return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const RunData& r) {
    return stop_target(r).outcome == StopOutcome::Reached;
  });
}

std::string stat_display(const Stat& s, int n_seeds) {
  if (!s.computed()) return "not computed";
  std::string t = format_percent(s.mean, 2);
  if (!std::isnan(s.sd)) t += " ± " + format_percent(s.sd, 2);
  if (!s.layer.empty()) t += " (" + s.layer + ")";
  if (s.n < n_seeds) t += " [n=" + std::to_string(s.n) + "]";
  return t;
}

Table summary_table(const std::vector<SummaryRow>& rows) {
  Table t({"dataset", "model", "level", "seeds", "model test", "MASC (corrupted)", "MASC (true)",
           "linear probe", "NCM", "logreg", "edited model", "train acc (corrupted)",
           "input: MASC / linear"});
  for (const auto& r : rows) {
    t.add_row(
        {r.dataset, r.model, level_string(r.level), std::to_string(r.n_seeds),
         stat_display(r.model_test_acc, r.n_seeds), stat_display(r.masc_corrupted, r.n_seeds),
         stat_display(r.masc_true, r.n_seeds), stat_display(r.linear, r.n_seeds),
         stat_display(r.ncm, r.n_seeds), stat_display(r.logreg, r.n_seeds),
         stat_display(r.edited_test_acc, r.n_seeds), stat_display(r.train_acc_corrupted, r.n_seeds),
         r.masc_input.computed() || r.linear_input.computed()
             ? (r.masc_input.computed() ? format_percent(r.masc_input.mean, 2) : "-") + " / " +
                   (r.linear_input.computed() ? format_percent(r.linear_input.mean, 2) : "-")
             : "not computed"});
  }
  return t;
}

}  // namespace mp::app
