#include "apps/run/run_dir.h"

#include <algorithm>
#include <cstdio>

#include "apps/run/dynamics_results.h"
#include "apps/run/metrics_log.h"
#include "apps/run/phase_times.h"
#include "apps/run/probe_results.h"
#include "apps/run/training_labels.h"
#include "apps/run/transfer_results.h"
#include "tensor/check.h"
#include "tensor/io/file_lock.h"

namespace mp::app {

namespace fs = std::filesystem;

std::string checkpoint_file_name(int epoch) {
  MP_CHECK(epoch >= 0, "checkpoint epoch must be >= 0, got " << epoch);
  char buf[48];
  std::snprintf(buf, sizeof buf, "epoch_%04d.safetensors", epoch);
  return buf;
}

std::string optim_file_name(int epoch) {
  MP_CHECK(epoch >= 0, "checkpoint epoch must be >= 0, got " << epoch);
  char buf[48];
  std::snprintf(buf, sizeof buf, "epoch_%04d.optim.safetensors", epoch);
  return buf;
}

std::optional<int> parse_checkpoint_file_name(const std::string& name) {
  const std::string prefix = "epoch_", suffix = ".safetensors";
  if (name.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  // Digits only: this rejects "epoch_0004.optim.safetensors" and stray files.
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  return std::stoi(digits);
}

RunDir::RunDir(fs::path root) : root_(std::move(root)) {}
RunDir::RunDir(RunDir&&) noexcept = default;
RunDir& RunDir::operator=(RunDir&&) noexcept = default;
RunDir::~RunDir() = default;

RunDir RunDir::create(const fs::path& root) {
  MP_CHECK(!root.empty(), "run directory: empty path");
  std::error_code ec;
  fs::create_directories(root / "checkpoints", ec);
  MP_CHECK(!ec, "cannot create run directory '" << root.string() << "': " << ec.message());
  return RunDir(root);
}

RunDir RunDir::open(const fs::path& root) {
  std::error_code ec;
  MP_CHECK(fs::is_directory(root, ec), "'" << root.string() << "' is not a directory");
  const char* manifest = manifest_format().file;
  MP_CHECK(fs::is_regular_file(root / manifest, ec),
           "'" << root.string() << "' is not a run directory (no " << manifest << ")");
  return RunDir(root);
}

void RunDir::lock(const std::string& purpose) {
  if (lock_) return;
  std::string holder;
  auto l = FileLock::try_acquire(root_.string(), &holder);
  MP_CHECK(l.has_value(), root_.string() << " is in use by " << holder << " (refusing to "
                                         << purpose << "; wait for it to finish or stop it)");
  lock_ = std::make_unique<FileLock>(std::move(*l));
}

void RunDir::unlock() {
  lock_.reset();
}

void RunDir::lock_analysis(const std::string& purpose) {
  if (analysis_lock_) return;
  std::string holder;
  auto l = FileLock::try_acquire(root_.string(), &holder, kAnalysisLockName);
  MP_CHECK(l.has_value(), root_.string() << " is being analysed by " << holder << " (refusing to "
                                         << purpose << "; wait for it to finish or stop it)");
  analysis_lock_ = std::make_unique<FileLock>(std::move(*l));
}

fs::path RunDir::manifest_path() const {
  return root_ / manifest_format().file;
}
fs::path RunDir::metrics_csv() const {
  return root_ / metrics_format().file;
}
fs::path RunDir::labels_csv() const {
  return root_ / labels_format().file;
}
fs::path RunDir::probes_csv() const {
  return root_ / probes_format().file;
}
fs::path RunDir::transfer_csv() const {
  return root_ / transfer_format().file;
}
fs::path RunDir::dynamics_csv() const {
  return root_ / dynamics_format().file;
}
fs::path RunDir::timing_csv() const {
  return root_ / timing_format().file;
}

fs::path RunDir::checkpoint_path(int epoch) const {
  return checkpoints_dir() / checkpoint_file_name(epoch);
}

fs::path RunDir::optim_path(int epoch) const {
  return checkpoints_dir() / optim_file_name(epoch);
}

std::string RunDir::checkpoint_relpath(int epoch) {
  return "checkpoints/" + checkpoint_file_name(epoch);
}

bool RunDir::has_manifest() const {
  std::error_code ec;
  return fs::is_regular_file(manifest_path(), ec);
}

Manifest RunDir::read_manifest() const {
  return Manifest::load(manifest_path().string());
}

void RunDir::write_manifest(const Manifest& m) const {
  m.save(manifest_path().string());
}

std::vector<int> RunDir::checkpoint_epochs() const {
  std::vector<int> out;
  std::error_code ec;
  if (!fs::is_directory(checkpoints_dir(), ec)) return out;
  for (const auto& e : fs::directory_iterator(checkpoints_dir(), ec)) {
    if (!e.is_regular_file(ec)) continue;
    if (auto epoch = parse_checkpoint_file_name(e.path().filename().string()))
      out.push_back(*epoch);
  }
  std::sort(out.begin(), out.end());
  return out;
}

static std::string join_epochs(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s;
}

int RunDir::resolve_checkpoint(const std::string& spec) const {
  const std::vector<int> have = checkpoint_epochs();
  MP_CHECK(!have.empty(), root_.string() << ": no checkpoints in " << checkpoints_dir().string());
  if (spec == "last") return have.back();
  size_t pos = 0;
  int epoch = -1;
  try {
    epoch = std::stoi(spec, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  MP_CHECK(pos == spec.size() && !spec.empty() && epoch >= 0,
           "--checkpoint '" << spec << "': use 'last' or an epoch number");
  MP_CHECK(std::binary_search(have.begin(), have.end(), epoch),
           root_.string() << ": no checkpoint for epoch " << epoch
                          << " (available: " << join_epochs(have) << ")");
  return epoch;
}

std::vector<fs::path> find_runs(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  MP_CHECK(fs::is_directory(root, ec), "'" << root.string() << "' is not a directory");
  const char* manifest = manifest_format().file;
  if (fs::is_regular_file(root / manifest, ec)) out.push_back(root);
  auto it =
      fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
  MP_CHECK(!ec, "cannot list '" << root.string() << "': " << ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto& e = *it;
    std::error_code ec2;
    if (!e.is_directory(ec2)) continue;
    // A run's checkpoints hold only weights; skipping them keeps scans of big trees fast.
    if (e.path().filename() == "checkpoints") {
      it.disable_recursion_pending();
      continue;
    }
    if (fs::is_regular_file(e.path() / manifest, ec2)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mp::app
