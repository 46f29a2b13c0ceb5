#include "apps/report/runs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "apps/run/run_dir.h"
#include "apps/run/train_config.h"
#include "tensor/check.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Reads the run's file of format `fmt` with its owner's `read`; a missing or malformed file
// becomes a note.
template <class Rows, class Read>
void read_part(RunData& run, const FileFormat& fmt, Rows& rows, Read read) {
  const std::string file = fmt.file;
  const fs::path p = run.dir / file;
  std::error_code ec;
  run.has[file] = false;
  if (!fs::exists(p, ec)) {
    run.notes.push_back(file + ": not computed (file missing)");
    return;
  }
  try {
    rows = read(p);
    run.has[file] = true;
  } catch (const std::exception& e) {
    rows.clear();
    run.notes.push_back(file + ": unreadable, ignored (" + std::string(e.what()) + ")");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RunKey

int64_t RunKey::level_micro() const {
  return std::llround(level * 1e6);
}

bool RunKey::operator<(const RunKey& o) const {
  if (dataset != o.dataset) return dataset < o.dataset;
  if (model != o.model) return model < o.model;
  if (level_micro() != o.level_micro()) return level_micro() < o.level_micro();
  if (seed != o.seed) return seed < o.seed;
  return edit_at < o.edit_at;
}

bool RunKey::operator==(const RunKey& o) const {
  return !(*this < o) && !(o < *this);
}

std::string RunKey::to_string() const {
  char lv[32];
  std::snprintf(lv, sizeof lv, "%g", level);
  return dataset + "/" + model + " p=" + lv + " seed " + std::to_string(seed) +
         (edit_at >= 0 ? ", edited at epoch " + std::to_string(edit_at) : "");
}

// ---------------------------------------------------------------------------------------------
// RunData

std::optional<int> RunData::final_epoch() const {
  if (auto e = manifest.final_epoch()) return e;
  if (!metrics.empty()) return metrics.back().epoch;
  if (auto e = probe_epoch()) return e;
  return std::nullopt;
}

const MetricsRow* RunData::final_metrics() const {
  if (metrics.empty()) return nullptr;
  if (auto e = final_epoch()) {
    for (auto it = metrics.rbegin(); it != metrics.rend(); ++it)
      if (it->epoch == *e) return &*it;
  }
  return &metrics.back();
}

std::optional<int> RunData::probe_epoch() const {
  if (probes.empty()) return std::nullopt;
  int e = probes.front().epoch;
  for (const auto& p : probes) e = std::max(e, p.epoch);
  return e;
}

std::vector<const ProbeRow*> RunData::probe_rows(int epoch, const std::string& probe,
                                                 const std::string& subspace) const {
  std::vector<const ProbeRow*> out;
  for (const auto& p : probes)
    if (p.epoch == epoch && p.probe == probe && p.subspace == subspace) out.push_back(&p);
  return out;
}

std::vector<std::string> RunData::layers() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& l) {
    if (!l.empty() && seen.insert(l).second) out.push_back(l);
  };
  for (const auto& p : probes) add(p.layer);
  if (out.empty())
    for (const auto& d : dynamics)
      if (d.probe != "model" && d.probe != "edited") add(d.layer);
  return out;
}

int RunData::completeness() const {
  int n = 0;
  for (const auto& [file, ok] : has) n += ok;
  return n;
}

RunData load_run(const fs::path& dir) {
  RunData run;
  run.dir = dir;
  const std::string where = (dir / manifest_format().file).string();
  run.manifest = Manifest::load(where);
  const Manifest& m = run.manifest;
  run.key.dataset = m.config_str("dataset");
  if (run.key.dataset.empty() && m.json().contains("dataset") && m.json()["dataset"].is_object())
    run.key.dataset = m.json()["dataset"].value("name", "");
  run.key.model = m.config_str("model");
  // The dropout variant is another model for every table and plot: its runs group apart from
  // the plain model's at the same level, and the paper has no numbers for it.
  if (const double rate = m.config_num("dropout", 0.0); rate != 0)
    run.key.model += "-" + dropout_tag(rate);
  MP_CHECK(!run.key.dataset.empty(), where << ": config.dataset is missing");
  MP_CHECK(!run.key.model.empty(), where << ": config.model is missing");
  run.key.level = m.config_num("corrupt", kNaN);
  MP_CHECK(std::isfinite(run.key.level), where << ": config.corrupt is missing or not a number");
  const double seed = m.config_num("seed", kNaN);
  MP_CHECK(std::isfinite(seed), where << ": config.seed is missing or not a number");
  run.key.seed = static_cast<int64_t>(seed);
  if (m.config_str("edit_mode") == "reference")
    run.key.edit_at = static_cast<int>(m.config_num("edit_at_epoch", -1));

  if (m.status() != "finished") run.notes.push_back("status " + m.status() + " (partial run)");
  read_part(run, metrics_format(), run.metrics, read_metrics_csv);
  // One MASC rule per run: the tables and plots compare levels, not an ablation's extra rules.
  read_part(run, probes_format(), run.probes, [&run](const fs::path& p) {
    const std::vector<ProbeRow> all = read_probes_csv(p);
    std::set<std::string> rules;
    for (const ProbeRow& r : all)
      if (r.probe == "masc") rules.insert(r.rule);
    if (rules.size() > 1)
      for (const ProbeRow& r : all)
        if (r.probe == "masc") run.masc_rules.push_back(r);
    return primary_rule_rows(all);
  });
  read_part(run, transfer_format(), run.transfer, read_transfer_csv);
  read_part(run, dynamics_format(), run.dynamics, read_dynamics_csv);
  // The extra experiments' files are optional too; a broken one is a note, not a failure.
  try {
    run.clean_control = read_clean_control(dir);
  } catch (const std::exception& e) {
    run.notes.push_back(std::string("clean_control.csv: unreadable, ignored (") + e.what() + ")");
  }
  try {
    run.relabel = read_relabel_summary(dir);
  } catch (const std::exception& e) {
    run.notes.push_back(std::string("relabel/summary.json: unreadable, ignored (") + e.what() +
                        ")");
  }
  // timing.csv is optional (runs analysed before it existed have none): no note when absent.
  try {
    run.timing = read_phase_times(dir / timing_format().file);
  } catch (const std::exception& e) {
    run.notes.push_back(std::string(timing_format().file) + ": unreadable, ignored (" + e.what() +
                        ")");
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// Merging duplicates

namespace {

// The final numbers of a run by name, for comparing duplicates.
std::map<std::string, double> fingerprint(const RunData& r) {
  std::map<std::string, double> f;
  if (const MetricsRow* m = r.final_metrics()) {
    f["final epoch"] = m->epoch;
    f["test_acc"] = m->test_acc;
    f["train_acc_corrupted"] = m->train_acc_corrupted;
  }
  for (const auto& p : r.probes)
    f[p.probe + "/" + p.subspace + "@" + p.layer + " epoch " + std::to_string(p.epoch)] =
        p.test_acc;
  for (const auto& t : r.transfer)
    f["edited(" + t.bias + ") epoch " + std::to_string(t.epoch)] = t.test_acc;
  return f;
}

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// First quantity both runs have and on which they differ, or "" when they agree.
std::string first_difference(const RunData& a, const RunData& b) {
  const auto fa = fingerprint(a), fb = fingerprint(b);
  for (const auto& [k, va] : fa) {
    auto it = fb.find(k);
    if (it == fb.end() || same_value(va, it->second)) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, " (%.6g vs %.6g)", va, it->second);
    return k + buf;
  }
  return "";
}

int status_rank(const RunData& r) {
  const std::string s = r.manifest.status();
  return s == "finished" ? 2 : s == "running" ? 1 : 0;
}

// True when `a` should be kept rather than `b`.
bool preferred(const RunData& a, const RunData& b) {
  if (status_rank(a) != status_rank(b)) return status_rank(a) > status_rank(b);
  if (a.completeness() != b.completeness()) return a.completeness() > b.completeness();
  const std::string fa = a.manifest.str("finished"), fb = b.manifest.str("finished");
  if (fa != fb) return fa > fb;  // ISO-8601 strings order chronologically
  return a.dir < b.dir;
}

}  // namespace

LoadedRuns load_runs(const std::vector<fs::path>& roots) {
  LoadedRuns out;
  std::map<RunKey, std::vector<RunData>> by_key;
  std::set<fs::path> seen_dirs;
  for (const auto& root : roots) {
    for (const auto& dir : find_runs(root)) {
      std::error_code ec;
      const fs::path canon = fs::weakly_canonical(dir, ec);
      if (!seen_dirs.insert(ec ? dir : canon).second) continue;  // the same folder twice
      try {
        RunData r = load_run(dir);
        by_key[r.key].push_back(std::move(r));
      } catch (const std::exception& e) {
        out.warnings.push_back("skipped " + dir.string() + ": " + e.what());
      }
    }
  }
  for (auto& [key, group] : by_key) {
    std::sort(group.begin(), group.end(), preferred);
    RunData& kept = group.front();
    for (size_t i = 1; i < group.size(); ++i) {
      const std::string diff = first_difference(kept, group[i]);
      if (diff.empty()) {
        out.notes.push_back("duplicate of " + key.to_string() + " in " + group[i].dir.string() +
                            " has the same results as " + kept.dir.string() + "; merged");
      } else {
        out.warnings.push_back("conflicting duplicates of " + key.to_string() + ": " +
                               kept.dir.string() + " and " + group[i].dir.string() + " differ in " +
                               diff + "; using " + kept.dir.string());
      }
    }
    (key.edit_at >= 0 ? out.edit_runs : out.runs).push_back(std::move(kept));
  }
  return out;
}

}  // namespace mp::app
