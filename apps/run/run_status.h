#pragma once
// Where a run (or a sweep of runs) stands, read from its files alone: trained how far, which
// analysis files exist, how much of the dynamics is done and whether the checkpoints it still
// needs are on disk, the disk it uses, what it has cost so far, whether a process holds it right
// now, and what to run next. `memprobe status` prints it; nothing here writes or locks anything,
// so it is safe beside a running job (a full-size study spans many sittings: this is how one
// picks it up).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "apps/run/phase_times.h"

namespace mp::app {

struct RunStatus {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::filesystem::path root;
  std::string error;  // non-empty: a file of the run could not be read (the message names it)
  std::string manifest_status;  // running | interrupted | failed | finished | unknown
  // "pid=... host=... started=..." of the process holding the run's lock now: a training or a
  // relabel.
  std::optional<std::string> holder;
  // The same for the analysis lock (RunDir::lock_analysis): probe, transfer, dynamics, or
  // reproduce's analysis writing the run's analysis files now.
  std::optional<std::string> analyser;
  std::string command;      // the command that started it (manifest)
  int last_epoch = -1;      // last row of metrics.csv; -1: none
  int max_epochs = 0;       // the config's cap; 0: unknown
  std::string stop_reason;  // set when finished
  // The last epoch's running training accuracy (corrupted labels) and test accuracy, fractions.
  double running_acc = kNaN, test_acc = kNaN;
  // Median wall time of the last (up to) ten epochs after epoch 0 (metrics.csv epoch_s:
  // training steps, evaluation, checkpoint write): the pace at which the rest would go on this
  // machine, whatever one paused epoch holds.
  double recent_epoch_seconds = kNaN;
  int checkpoints = 0;                    // saved so far, as the manifest lists them
  int checkpoints_on_disk = 0;            // model files present in checkpoints/
  bool probes = false, transfer = false;  // probes.csv / transfer.csv hold rows
  int dynamics_done = 0;                  // checkpoint epochs with rows in dynamics.csv
  // Checkpoints the dynamics still needs whose model file is gone (deleted, or lost with a
  // machine): they come back bit-identical only by training the run again.
  int dynamics_missing = 0;
  double dynamics_seconds_per_checkpoint = kNaN;  // mean of the ones done (timing.csv)
  int64_t disk_bytes = 0;
  PhaseCosts cost;

  bool in_use() const { return holder.has_value(); }
  bool being_analysed() const { return analyser.has_value(); }
  bool trained() const { return manifest_status == "finished"; }
  int dynamics_left() const { return checkpoints - dynamics_done; }
  // Epochs an unfinished run may still train: to its cap (the stop rule may end it sooner).
  int epochs_left_at_most() const {
    return trained() || max_epochs <= 0 ? 0 : max_epochs - std::max(last_epoch, 0);
  }
  bool analysed() const { return trained() && probes && transfer && dynamics_left() == 0; }
  // The command that continues an unfinished run: the manifest's `command` with --resume added
  // for `train` (reproduce resumes by itself) and, when the run has been moved since it started,
  // its --out pointed at where the run is now. "" when the manifest holds no command.
  std::string continue_command() const;
  // One short phrase: "wait (in use)", "train (resume)", "probe", "transfer", "dynamics", "done",
  // ...
  std::string next_step() const;
};

// The status of the run in `root` (a directory holding manifest.json). Never throws for a bad
// run file: it fills `error` instead, so one damaged run does not hide a sweep's others.
RunStatus run_status(const std::filesystem::path& root);

// Every run under each of `paths` (find_runs), in path order. Throws mp::Error naming a path that
// does not exist or holds no run.
std::vector<RunStatus> sweep_status(const std::vector<std::filesystem::path>& paths);

}  // namespace mp::app
