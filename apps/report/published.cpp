#include "apps/report/published.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "apps/run/train_config.h"

namespace mp::app {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_large(const ComparedValue& v, double points) {
  return !std::isnan(v.difference) && std::abs(v.difference) > points;
}

// Recipe numbers come back from JSON as the doubles they were written from; the tolerance only
// forgives a writer that printed fewer digits.
bool same(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string o;
  for (const auto& s : v) o += (o.empty() ? "" : sep) + s;
  return o;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// Which epoch a measure's value is from: the model's final epoch, the last probed epoch or the
// last transfer epoch (they differ when a run was probed before it finished).
enum class EpochOf { Final, Probe, Transfer };

struct Measure {
  const char* metric;
  const char* subspace;
  const char* title;
  Stat SummaryRow::*stat;
  Stat SummaryRow::*input;  // the input-layer baseline beside the best hidden layer, or null
  EpochOf epoch_of;
};

const Measure kMeasures[] = {
    {"model", "", "model test accuracy", &SummaryRow::model_test_acc, nullptr, EpochOf::Final},
    {"masc", "corrupted", "MASC best layer (corrupted)", &SummaryRow::masc_corrupted,
     &SummaryRow::masc_input, EpochOf::Probe},
    {"masc", "true", "MASC best layer (true)", &SummaryRow::masc_true, nullptr, EpochOf::Probe},
    {"linear", "corrupted", "linear probe best layer", &SummaryRow::linear,
     &SummaryRow::linear_input, EpochOf::Probe},
    {"edited", "", "edited model", &SummaryRow::edited_test_acc, nullptr, EpochOf::Transfer},
    {"ncm", "corrupted", "NCM best layer", &SummaryRow::ncm, nullptr, EpochOf::Probe},
    {"logreg", "corrupted", "logreg best layer", &SummaryRow::logreg, nullptr, EpochOf::Probe},
};

std::string epochs_of(const std::vector<const RunData*>& group, EpochOf kind) {
  std::set<int> epochs;
  for (const RunData* r : group) {
    std::optional<int> e;
    if (kind == EpochOf::Final) e = r->final_epoch();
    if (kind == EpochOf::Probe) e = r->probe_epoch();
    if (kind == EpochOf::Transfer)
      if (const TransferRow* t = final_transfer(*r)) e = t->epoch;
    if (e) epochs.insert(*e);
  }
  std::vector<std::string> s;
  for (int e : epochs) s.push_back(std::to_string(e));
  return s.empty() ? "-" : join(s, ", ");
}

std::string signed_points(double d) {
  if (std::isnan(d)) return "-";
  if (std::abs(d) < 0.005) return "0.00";  // no "-0.00"
  return (d > 0 ? "+" : "") + format_fixed(d, 2);
}

// 1000, not exact_number's shortest form "1e+03".
std::string count(double v) {
  return std::to_string(std::llround(v));
}

// A recipe number as people write it: "128", "0.001", "0.0002".
std::string plain(double v) {
  return v == std::round(v) && std::abs(v) < 1e15 ? count(v) : exact_number(v);
}

std::string where(const std::string& dataset, const std::string& model, double level) {
  return dataset + "/" + model + " p = " + level_string(level);
}

}  // namespace

std::vector<std::string> paper_setting_deviations(const Manifest& m) {
  std::vector<std::string> out;
  const double train_subset = m.config_num("train_subset", 0);
  if (train_subset > 0) out.push_back("a " + count(train_subset) + "-image training subset");
  const double test_subset = m.config_num("test_subset", 0);
  if (test_subset > 0) out.push_back("a " + count(test_subset) + "-image test subset");

  // The paper's recipe is what memprobe's presets resolve to for this model and dataset.
  TrainConfig paper;
  paper.dataset = m.config_str("dataset");
  paper.model = m.config_str("model");
  try {
    paper.resolve_defaults();
  } catch (const std::exception&) {
    out.push_back("no paper recipe for " + paper.dataset + "/" + paper.model);
    return out;
  }
  const std::string optimizer = m.config_str("optimizer", "not recorded");
  if (optimizer != paper.optimizer)
    out.push_back("optimizer " + optimizer + " instead of the paper's " + paper.optimizer);
  auto number = [&](const char* key, double paper_value, const std::string& what) {
    const double v = m.config_num(key, kNaN);
    if (!same(v, paper_value))
      out.push_back(what + " " + (std::isnan(v) ? "not recorded" : plain(v)) +
                    " instead of the paper's " + plain(paper_value));
  };
  number("lr", paper.lr, "lr");
  const std::string lr_steps = m.config_str("lr_steps", "");
  if (!lr_steps.empty())
    out.push_back("the learning-rate steps " + lr_steps + " (the paper keeps one rate)");
  if (paper.optimizer == "sgd") number("momentum", paper.momentum, "momentum");
  // Written only when set (TrainConfig::to_json): absent = the paper's dropout-free model.
  const double dropout = m.config_num("dropout", 0.0);
  if (dropout != 0)
    out.push_back("dropout " + plain(dropout) +
                  " (the dropout variant; the paper's models have none)");
  number("batch_size", static_cast<double>(paper.batch_size), "batch size");
  number("target_train_acc", paper.target_train_acc, "target training accuracy");
  const std::string corruption =
      m.config_str("corruption_mode", m.config_str("corruption", "random"));
  if (corruption != "random")
    out.push_back("corruption '" + corruption + "' instead of the paper's random labels");
  // Runs written before the running count existed stopped on the evaluation pass
  // (TrainConfig::from_json), so at another epoch than the paper's rule.
  const std::string stop_on = m.config_str("stop_on", "eval");
  if (stop_on != "running")
    out.push_back(
        "stopping on the after-epoch evaluation pass instead of the paper's running "
        "training accuracy");
  const auto& j = m.json();
  if (j.contains("config") && j["config"].is_object() &&
      j["config"].value("shuffle", false) == true)
    out.push_back("a shuffled data order instead of the paper's fixed one");
  return out;
}

double PublishedComparison::published_fraction(const std::string& dataset, const std::string& model,
                                               double level, const std::string& metric,
                                               const std::string& subspace) const {
  const int64_t lm = std::llround(level * 1e6);
  for (const auto& r : rows) {
    if (r.dataset == dataset && r.model == model && std::llround(r.level * 1e6) == lm &&
        r.metric == metric && r.subspace == subspace) {
      // From the text, so 84.40 becomes the double nearest 0.844 (84.40 / 100 is not).
      return std::strtod((r.published->text + "e-2").c_str(), nullptr);
    }
  }
  return kNaN;
}

PublishedComparison compare_with_published(const std::vector<RunData>& runs,
                                           const std::vector<SummaryRow>& summary,
                                           const std::vector<PublishedValue>& table) {
  std::map<std::tuple<std::string, std::string, int64_t>, std::vector<const RunData*>> groups;
  for (const auto& r : runs)
    groups[{r.key.dataset, r.key.model, r.key.level_micro()}].push_back(&r);

  PublishedComparison c;
  // Left-out rows with the same reasons are named together: "mnist/mlp at p = 0, 0.4 (...)".
  std::vector<std::pair<std::string, std::vector<std::string>>> left_out;  // (head, levels)
  auto leave_out = [&](const SummaryRow& row, const std::vector<std::string>& why) {
    const std::string head = row.dataset + "/" + row.model + "|" + join(why, ", ");
    auto it = std::find_if(left_out.begin(), left_out.end(),
                           [&](const auto& p) { return p.first == head; });
    if (it == left_out.end()) it = left_out.insert(left_out.end(), {head, {}});
    it->second.push_back(level_string(row.level));
  };

  for (const SummaryRow& row : summary) {
    const auto& group = groups[{row.dataset, row.model, std::llround(row.level * 1e6)}];
    std::vector<std::string> why;
    if (!has_published(table, row.dataset, row.model)) {
      why.push_back("no published numbers for this dataset and model");
    } else {
      for (const RunData* r : group)
        for (const auto& d : paper_setting_deviations(r->manifest)) add_unique(why, d);
    }
    if (!why.empty()) {
      leave_out(row, why);
      continue;
    }
    size_t compared = 0;
    for (const Measure& m : kMeasures) {
      const PublishedValue* pub =
          find_published(table, row.dataset, row.model, row.level, m.metric, m.subspace);
      if (!pub) continue;
      ComparedValue v;
      v.dataset = row.dataset;
      v.model = row.model;
      v.level = row.level;
      v.n_seeds = row.n_seeds;
      v.metric = m.metric;
      v.subspace = m.subspace;
      v.measure = m.title;
      v.ours = row.*m.stat;
      v.has_input = m.input != nullptr;
      if (m.input) v.ours_input = row.*m.input;
      v.epochs = epochs_of(group, m.epoch_of);
      v.published = pub;
      v.difference = v.ours.computed() ? v.ours.mean * 100.0 - pub->value : kNaN;
      c.rows.push_back(std::move(v));
      ++compared;
    }
    if (compared == 0) leave_out(row, {"no published numbers at this level"});
  }
  for (const auto& [head, levels] : left_out) {
    const size_t bar = head.find('|');
    c.not_comparable.push_back(head.substr(0, bar) + " at p = " + join(levels, ", ") + " (" +
                               head.substr(bar + 1) + ")");
  }
  return c;
}

Table comparison_table(const PublishedComparison& c) {
  Table t({"dataset", "model", "p", "seeds", "measure", "memprobe", "input layer (memprobe)",
           "epoch", "published", "published as", "difference (points)"});
  for (const auto& v : c.rows) {
    std::string input;
    if (v.has_input)
      input = v.ours_input.computed() ? format_percent(v.ours_input.mean, 2) : "not computed";
    t.add_row({v.dataset, v.model, level_string(v.level), std::to_string(v.n_seeds), v.measure,
               stat_display(v.ours, v.n_seeds), input, v.epochs, v.published->display(),
               v.published->aggregation, signed_points(v.difference)});
  }
  return t;
}

Table comparison_grid(const PublishedComparison& c, double points) {
  std::vector<std::string> measures;  // kMeasures' order, those some row has
  for (const Measure& m : kMeasures)
    if (std::any_of(c.rows.begin(), c.rows.end(),
                    [&](const ComparedValue& v) { return v.measure == m.title; }))
      measures.push_back(m.title);
  std::vector<std::string> header = {"dataset", "model", "p"};
  header.insert(header.end(), measures.begin(), measures.end());
  Table t(header);
  for (size_t i = 0; i < c.rows.size();) {
    const ComparedValue& first = c.rows[i];
    std::vector<std::string> row = {first.dataset, first.model, level_string(first.level)};
    row.resize(header.size(), "-");
    for (; i < c.rows.size() && c.rows[i].dataset == first.dataset &&
           c.rows[i].model == first.model && c.rows[i].level == first.level;
         ++i) {
      const ComparedValue& v = c.rows[i];
      const size_t col =
          3 + static_cast<size_t>(std::find(measures.begin(), measures.end(), v.measure) -
                                  measures.begin());
      const std::string ours = v.ours.computed() ? format_percent(v.ours.mean, 2) : "-";
      row[col] = ours + " / " + v.published->text + (is_large(v, points) ? " *" : "");
    }
    t.add_row(row);
  }
  return t;
}

std::string not_comparable_sentence(const PublishedComparison& c) {
  if (c.not_comparable.empty()) return "";
  const std::string items = join(c.not_comparable, "; ");
  if (c.rows.empty())
    return "These numbers are not comparable to the published ones, which were measured at the "
           "paper's settings: " +
           items + ".";
  return "Left out as not comparable to the published numbers: " + items + ".";
}

namespace {

bool note_matches(const DifferenceNote& n, const ComparedValue& v) {
  return n.dataset == v.dataset && n.model == v.model && std::abs(n.level - v.level) < 1e-9 &&
         n.metric == v.metric && n.subspace == v.subspace;
}
}  // namespace

std::vector<std::string> large_differences(const PublishedComparison& c, double points) {
  std::vector<std::string> out;
  for (const auto& v : c.rows) {
    if (!is_large(v, points)) continue;
    std::string said = "open: no note in differences.csv";
    for (const DifferenceNote& n : c.notes)
      if (note_matches(n, v)) said = n.status + ": " + n.note;
    out.push_back(where(v.dataset, v.model, v.level) + ", " + v.measure + ": " +
                  signed_points(v.difference) + " (memprobe " + stat_display(v.ours, v.n_seeds) +
                  ", published " + v.published->display() + ", " + v.published->aggregation +
                  "; memprobe epoch " + v.epochs + "). " + said);
  }
  return out;
}

std::vector<std::string> unmatched_notes(const PublishedComparison& c, double points) {
  std::vector<std::string> out;
  for (const DifferenceNote& n : c.notes) {
    bool used = false;
    for (const auto& v : c.rows) used = used || (is_large(v, points) && note_matches(n, v));
    if (!used)
      out.push_back(n.source + ": the note on " + where(n.dataset, n.model, n.level) + " " +
                    n.metric + (n.subspace.empty() ? "" : " (" + n.subspace + ")") +
                    " matches no difference beyond " + format_fixed(points, 0) +
                    " points in this report");
  }
  return out;
}

}  // namespace mp::app
