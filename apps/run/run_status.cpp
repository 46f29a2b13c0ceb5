#include "apps/run/run_status.h"

#include <map>
#include <set>
#include <system_error>

#include "apps/run/dynamics_results.h"
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
    double sum = 0;
    int n = 0;
    for (auto it = metrics.rbegin(); it != metrics.rend() && n < 10; ++it)
      if (it->epoch > 0) sum += it->epoch_s, ++n;
    if (n > 0) s.recent_epoch_seconds = sum / n;
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

}  // namespace

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
