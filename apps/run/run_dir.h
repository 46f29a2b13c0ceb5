#pragma once
// The run-directory contract (docs/formats.md). One training run = one (dataset, model,
// corruption level, seed) lives in one directory: its manifest, metrics, labels, probes,
// transfer, dynamics and timing files, checkpoints/epoch_NNNN{,.optim}.safetensors, .lock and
// .analysis.lock.
// Each file's name, columns, writer and reader belong to its owner (manifest.h, metrics_log.h,
// training_labels.h, probe_results.h, transfer_results.h, dynamics_results.h, phase_times.h);
// RunDir joins those names to the run's root, holds the exclusive lock of a writer, and answers
// "which checkpoints are there" and "what does --checkpoint last|N mean here".
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/run/manifest.h"

namespace mp {
class FileLock;
}

namespace mp::app {

// "epoch_0004.safetensors" (model) and "epoch_0004.optim.safetensors" (optimizer state).
std::string checkpoint_file_name(int epoch);
std::string optim_file_name(int epoch);
// Epoch of a model checkpoint file name, nullopt for anything else (optimizer files included).
std::optional<int> parse_checkpoint_file_name(const std::string& name);

class RunDir {
 public:
  // Creates `root` (and checkpoints/) if needed; does not lock.
  static RunDir create(const std::filesystem::path& root);
  // An existing run: `root` must be a directory holding manifest.json (throws mp::Error naming
  // the path otherwise).
  static RunDir open(const std::filesystem::path& root);

  RunDir(RunDir&&) noexcept;
  RunDir& operator=(RunDir&&) noexcept;
  ~RunDir();

  // Takes the exclusive lock on root/.lock for the lifetime of this object (or until unlock()).
  // If another process (or another RunDir in this one) holds it, throws mp::Error:
  //   "<root> is in use by pid=... host=... started=... (refusing to <purpose>)".
  void lock(const std::string& purpose);
  void unlock();
  bool locked() const { return lock_ != nullptr; }
  // The analysis lock (root/.analysis.lock), taken the same way by the commands that write the
  // analysis files (probes.csv, transfer.csv, dynamics.csv, timing.csv, transfer/): two of them
  // on one run would lose each other's rows in those files' read-modify-write. It is apart from
  // the training lock so a checkpoint can be probed while the run still trains. Throws
  //   "<root> is being analysed by pid=... (refusing to <purpose>; ...)".
  void lock_analysis(const std::string& purpose);
  bool analysis_locked() const { return analysis_lock_ != nullptr; }
  static constexpr const char* kAnalysisLockName = ".analysis.lock";

  const std::filesystem::path& root() const { return root_; }
  // The run's files, each named by its owner's FileFormat.
  std::filesystem::path manifest_path() const;
  std::filesystem::path metrics_csv() const;
  std::filesystem::path labels_csv() const;
  std::filesystem::path probes_csv() const;
  std::filesystem::path transfer_csv() const;
  std::filesystem::path dynamics_csv() const;
  std::filesystem::path timing_csv() const;
  std::filesystem::path checkpoints_dir() const { return root_ / "checkpoints"; }
  std::filesystem::path checkpoint_path(int epoch) const;  // model weights
  std::filesystem::path optim_path(int epoch) const;       // optimizer state
  // Relative form recorded in the manifest: "checkpoints/epoch_0004.safetensors".
  static std::string checkpoint_relpath(int epoch);

  bool has_manifest() const;
  Manifest read_manifest() const;
  void write_manifest(const Manifest& m) const;  // atomic

  // Epochs of the model checkpoint files present on disk, ascending.
  std::vector<int> checkpoint_epochs() const;
  // "last" -> the highest epoch on disk; "N" -> N, which must exist. Throws mp::Error listing
  // the available epochs otherwise.
  int resolve_checkpoint(const std::string& spec) const;

 private:
  explicit RunDir(std::filesystem::path root);
  std::filesystem::path root_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<FileLock> analysis_lock_;
};

// Every directory under `root` (root included) that holds a manifest.json, sorted by path.
// Does not descend into a run's own checkpoints/ folder; unreadable sub-folders are skipped.
std::vector<std::filesystem::path> find_runs(const std::filesystem::path& root);

}  // namespace mp::app
