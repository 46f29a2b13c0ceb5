// `memprobe status`: where each run of a sweep stands (apps/run/run_status.h), read-only.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "apps/run/run_status.h"

namespace mp::app {

namespace {

namespace fs = std::filesystem;

std::string bytes_cell(int64_t b) {
  const double v = static_cast<double>(b);
  if (v >= 1e9) return format_fixed(v / 1e9, 2) + " GB";
  if (v >= 1e6) return format_fixed(v / 1e6, 1) + " MB";
  return format_fixed(v / 1e3, 0) + " kB";
}

std::string minutes_cell(double s) {
  return s > 0 ? format_fixed(s / 60, 1) + " min" : "-";
}

std::string percent_cell(double f) {
  return std::isnan(f) ? "-" : format_percent(f);
}

std::string state_cell(const RunStatus& s) {
  if (!s.error.empty()) return "unreadable";
  if (s.in_use()) return s.being_analysed() ? "in use, being analysed" : "in use";
  if (s.being_analysed()) return "being analysed";
  if (s.trained()) return "trained (" + s.stop_reason + ")";
  if (s.last_epoch < 0) return "not started";
  return "stopped (" + s.manifest_status + ")";
}

std::string epoch_cell(const RunStatus& s) {
  if (s.last_epoch < 0) return "-";
  return std::to_string(s.last_epoch) +
         (s.max_epochs > 0 && !s.trained() ? " of <= " + std::to_string(s.max_epochs) : "");
}

// The name a run is shown under: its path below the directory the user named (that directory's
// own name when the user named the run itself).
std::string run_name(const fs::path& run, const fs::path& given) {
  const fs::path rel = run.lexically_relative(given);
  return rel.empty() || rel == "." ? fs::absolute(run).lexically_normal().filename().string()
                                   : rel.string();
}

// What to type to move a run on, and what the numbers say about it.
std::vector<std::string> notes(const RunStatus& s, const std::string& name) {
  std::vector<std::string> n;
  if (!s.error.empty()) {
    n.push_back(name + ": " + s.error);
    return n;
  }
  if (s.in_use()) n.push_back(name + ": in use by " + *s.holder);
  if (s.being_analysed()) n.push_back(name + ": being analysed by " + *s.analyser);
  if (!s.trained() && !s.in_use() && !s.command.empty())
    n.push_back(name + ": continue with: " + s.continue_command());
  if (!s.trained() && s.epochs_left_at_most() > 0 && !std::isnan(s.recent_epoch_seconds))
    n.push_back(name + ": at most " + std::to_string(s.epochs_left_at_most()) +
                " epochs to its cap of " + std::to_string(s.max_epochs) + ", at most about " +
                format_duration(s.recent_epoch_seconds * s.epochs_left_at_most()) + " at the " +
                format_fixed(s.recent_epoch_seconds, 1) +
                " s per epoch of its last epochs (their median; the stop rule may end it sooner)");
  if (s.trained() && s.dynamics_left() > 0) {
    std::string line = name + ": dynamics " + std::to_string(s.dynamics_left()) + " of " +
                       std::to_string(s.checkpoints) + " checkpoints left";
    if (!std::isnan(s.dynamics_seconds_per_checkpoint))
      line += ", about " + format_duration(s.dynamics_seconds_per_checkpoint * s.dynamics_left()) +
              " at the " + format_fixed(s.dynamics_seconds_per_checkpoint, 1) +
              " s per checkpoint measured so far";
    n.push_back(line);
  }
  if (s.dynamics_missing > 0)
    n.push_back(name + ": " + std::to_string(s.dynamics_missing) +
                " checkpoints the dynamics still needs are not on disk; training the run again "
                "(--force, same settings) recreates them bit for bit (their sha256 are in "
                "manifest.json)");
  return n;
}

nlohmann::json to_json(const RunStatus& s, const std::string& name) {
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  nlohmann::json j = {
      {"run", name},
      {"path", s.root.string()},
      {"state", state_cell(s)},
      {"manifest_status", s.manifest_status},
      {"in_use_by", s.holder ? nlohmann::json(*s.holder) : nullptr},
      {"analysed_by", s.analyser ? nlohmann::json(*s.analyser) : nullptr},
      {"last_epoch", s.last_epoch},
      {"max_epochs", s.max_epochs},
      {"stop_reason", s.stop_reason},
      {"running_acc", num(s.running_acc)},
      {"test_acc", num(s.test_acc)},
      {"checkpoints", s.checkpoints},
      {"checkpoints_on_disk", s.checkpoints_on_disk},
      {"probes", s.probes},
      {"transfer", s.transfer},
      {"dynamics_done", s.dynamics_done},
      {"dynamics_missing", s.dynamics_missing},
      {"dynamics_seconds_per_checkpoint", num(s.dynamics_seconds_per_checkpoint)},
      {"recent_epoch_seconds", num(s.recent_epoch_seconds)},
      {"epochs_left_at_most", s.epochs_left_at_most()},
      {"disk_bytes", s.disk_bytes},
      {"training_seconds", s.cost.train + s.cost.eval + s.cost.checkpoint},
      {"analysis_seconds", s.cost.activations + s.cost.probes + s.cost.transfer + s.cost.dynamics},
      {"next", s.next_step()}};
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "status",
      "Where each run stands, from its files alone: epochs trained, probes / transfer / dynamics "
      "done, checkpoints on disk, disk used, time spent, whether a training (or relabel) or an "
      "analysis (probe, transfer, dynamics) holds it now, and what to run next. Read-only: safe "
      "beside a running job");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("DIR", *dirs,
                  "Run directories, or folders to search for them (recursively; a run holds "
                  "manifest.json). Default: the current directory");
  cmd->add_flag("--json", *json, "Print one JSON array (one object per run) instead of a table");
  set_action(cmd, [dirs, json](CommandContext& ctx) {
    std::vector<std::string> given = *dirs;
    if (given.empty()) given.push_back(".");
    std::vector<std::pair<std::string, RunStatus>> rows;
    for (const std::string& g : given)
      for (RunStatus& s : sweep_status({fs::path(g)}))
        rows.emplace_back(run_name(s.root, g), std::move(s));

    if (*json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& [name, s] : rows) arr.push_back(to_json(s, name));
      ctx.out << arr.dump(2) << '\n';
    } else {
      Table t({"run", "state", "epoch", "running_%", "test_%", "checkpoints", "probes", "transfer",
               "dynamics", "disk", "training", "analysis", "next"});
      std::vector<std::string> all_notes;
      for (const auto& [name, s] : rows) {
        const std::string ck = std::to_string(s.checkpoints) + " (" +
                               std::to_string(s.checkpoints_on_disk) + " on disk)";
        t.add_row(
            {name, state_cell(s), epoch_cell(s), percent_cell(s.running_acc),
             percent_cell(s.test_acc), ck, s.probes ? "yes" : "-", s.transfer ? "yes" : "-",
             std::to_string(s.dynamics_done) + " of " + std::to_string(s.checkpoints),
             bytes_cell(s.disk_bytes), minutes_cell(s.cost.train + s.cost.eval + s.cost.checkpoint),
             minutes_cell(s.cost.activations + s.cost.probes + s.cost.transfer + s.cost.dynamics),
             s.next_step()});
        for (std::string& line : notes(s, name)) all_notes.push_back(std::move(line));
      }
      ctx.out << t.to_text();
      for (const std::string& line : all_notes) ctx.out << line << '\n';
    }
    int bad = 0;
    for (const auto& [name, s] : rows) bad += s.error.empty() ? 0 : 1;
    return bad > 0 ? 1 : 0;
  });
}

}  // namespace mp::app
