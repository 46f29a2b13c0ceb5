#include "apps/run/run_status.h"

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "apps/run/dynamics_results.h"
#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/probe_results.h"
#include "apps/run/run_dir.h"
#include "apps/run/transfer_results.h"
#include "tensor/check.h"
#include "tensor/io/file_lock.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

// Bytes of every regular file under `dir` (unreadable entries are skipped: a size, not a check).
int64_t tree_bytes(const fs::path& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    if (it->is_regular_file(sec)) {
      const auto n = it->file_size(sec);
      if (!sec) total += static_cast<int64_t>(n);
    }
  }
  return total;
}

void read_files(const RunDir& run, RunStatus& s) {
  const Manifest m = run.read_manifest();
  s.manifest_status = m.status();
  s.command = m.str("command");
  s.stop_reason = m.str("stop_reason");
  s.max_epochs = static_cast<int>(m.config_num("max_epochs", 0));
  const std::map<int, CheckpointEntry> ckpts = m.checkpoints();
  s.checkpoints = static_cast<int>(ckpts.size());
  const std::vector<int> on_disk = run.checkpoint_epochs();
  s.checkpoints_on_disk = static_cast<int>(on_disk.size());

  const std::vector<EpochMetrics> metrics = read_metrics_csv(run.metrics_csv());
  if (!metrics.empty()) {
    s.last_epoch = metrics.back().epoch;
    s.running_acc = metrics.back().train_acc_running;
    s.test_acc = metrics.back().test_acc;
    // The median, not the mean: an epoch during which the run was paused (SIGSTOP while a
    // benchmark or CI ran) or killed by a session's end holds that whole wait in its epoch_s
    // (30 minutes against 30 s, seen here), and one such row would multiply a mean tenfold.
    std::vector<double> recent;
    for (auto it = metrics.rbegin(); it != metrics.rend() && recent.size() < 10; ++it)
      if (it->epoch > 0) recent.push_back(it->epoch_s);
    if (!recent.empty()) {
      std::sort(recent.begin(), recent.end());
      const size_t h = recent.size() / 2;
      s.recent_epoch_seconds = recent.size() % 2 ? recent[h] : 0.5 * (recent[h - 1] + recent[h]);
    }
  }
  s.probes = !read_probes_csv(run.probes_csv()).empty();
  s.transfer = !read_transfer_csv(run.transfer_csv()).empty();

  std::set<int> done;
  for (const DynamicsRow& r : read_dynamics_csv(run.dynamics_csv())) done.insert(r.epoch);
  const std::set<int> present(on_disk.begin(), on_disk.end());
  for (const auto& [epoch, entry] : ckpts) {
    if (done.count(epoch))
      ++s.dynamics_done;
    else if (!present.count(epoch))
      ++s.dynamics_missing;
  }

  const std::vector<PhaseTime> times = read_phase_times(run.timing_csv());
  s.cost = phase_costs(metrics, times);
  int dyn_rows = 0;
  for (const PhaseTime& p : times) dyn_rows += p.phase == "dynamics" ? 1 : 0;
  if (dyn_rows > 0) s.dynamics_seconds_per_checkpoint = s.cost.dynamics / dyn_rows;
}

// The arguments of a command line written by join_command_line: words separated by spaces,
// '...' quoting with '\'' for a quote inside (the only quoting shell_quote writes).
std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> args;
  std::string cur;
  bool in_word = false, quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '\'')
        quoted = false;
      else
        cur += c;
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (c == ' ') {
      if (in_word) args.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) args.push_back(cur);
  return args;
}

bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code ea, eb;
  const fs::path ca = fs::weakly_canonical(a, ea), cb = fs::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

}  // namespace

std::string RunStatus::continue_command() const {
  if (command.empty()) return "";
  std::vector<std::string> args = split_command_line(command);
  const bool reproduce = std::find(args.begin(), args.end(), "reproduce") != args.end();
  // Where the command put the run: train's --out is the run itself, reproduce's is the sweep
  // holding runs/<name>. A run moved since (gathered from a cluster, a folder renamed) is
  // continued where it is now.
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--out") continue;
    const fs::path out = args[i + 1];
    const fs::path here = fs::absolute(root).lexically_normal();
    if (!reproduce && !same_path(out, root)) {
      args[i + 1] = here.string();
    } else if (reproduce && !same_path(out / "runs" / here.filename(), root) &&
               here.parent_path().filename() == "runs") {
      args[i + 1] = here.parent_path().parent_path().string();
    }
    break;
  }
  const bool has_resume = std::find(args.begin(), args.end(), "--resume") != args.end();
  if (!reproduce && !has_resume) args.push_back("--resume");
  return join_command_line(args);
}

std::string RunStatus::next_step() const {
  if (!error.empty()) return "fix the file named";
  if (in_use()) return "wait (in use)";
  if (being_analysed()) return "wait (being analysed)";
  if (!trained()) return last_epoch < 0 ? "train" : "train (resume)";
  if (!probes) return "probe";
  if (!transfer) return "transfer";
  if (dynamics_left() > 0) return dynamics_missing > 0 ? "dynamics (retrain first)" : "dynamics";
  return "done";
}

RunStatus run_status(const fs::path& root) {
  RunStatus s;
  s.root = root;
  try {
    const RunDir run = RunDir::open(root);
    s.holder = FileLock::holder(root.string());
    s.analyser = FileLock::holder(root.string(), RunDir::kAnalysisLockName);
    read_files(run, s);
  } catch (const mp::Error& e) {
    s.error = e.what();
  }
  s.disk_bytes = tree_bytes(root);
  return s;
}

std::vector<RunStatus> sweep_status(const std::vector<fs::path>& paths) {
  std::vector<RunStatus> out;
  for (const fs::path& p : paths) {
    std::error_code ec;
    MP_CHECK(fs::is_directory(p, ec), "status: '" << p.string() << "' is not a directory");
    const std::vector<fs::path> runs = find_runs(p);
    MP_CHECK(!runs.empty(), "status: no run under '"
                                << p.string()
                                << "' (a run directory holds manifest.json; `memprobe train "
                                   "--out DIR` and `memprobe reproduce --out DIR` make them)");
    for (const fs::path& r : runs) out.push_back(run_status(r));
  }
  return out;
}

}  // namespace mp::app
