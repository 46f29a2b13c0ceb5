#pragma once
// manifest.json of a run directory (docs/formats.md): what was run, on what data and machine,
// how it ended, and which checkpoints exist. The file is plain JSON so that anything can read
// it; we rewrite it atomically and keep keys we do not know about, so newer writers and other
// tools can add fields without older readers destroying them.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/run/file_format.h"

namespace mp::app {

// The file name (the marker of a run directory, see find_runs). A JSON object, not a table: no
// columns; docs/formats.md shows its keys. Manifest::save is its writer, Manifest::load its
// reader.
const FileFormat& manifest_format();

// "2026-01-31T12:34:56Z"
std::string iso8601_utc_now();
// argv joined by spaces, each argument shell-quoted when it needs it.
std::string join_command_line(int argc, const char* const* argv);
std::string join_command_line(const std::vector<std::string>& args);
// A string safe to paste into a POSIX shell ('...' quoting when needed).
std::string shell_quote(const std::string& s);

struct CheckpointEntry {
  std::string file;    // relative to the run directory, e.g. "checkpoints/epoch_0004.safetensors"
  std::string sha256;  // of the model file
};

class Manifest {
 public:
  Manifest();  // an object with the required keys set to their "not yet known" values
  explicit Manifest(nlohmann::json j);  // throws mp::Error if j is not an object

  // Reads and validates the shape (an object; typed fields have the right JSON types when
  // present). `path` is named in every error.
  static Manifest load(const std::string& path);
  // Atomic write (temp file + rename): a reader never sees a torn manifest.
  void save(const std::string& path) const;

  nlohmann::json& json() { return j_; }
  const nlohmann::json& json() const { return j_; }

  // Fields every writer sets. start() stamps version, commit, command, config, runtime (the
  // BLAS line, threads, the build ISA and how it was chosen: everything bit-identity depends on
  // besides the seed, see runtime_diff.h) and "started", status "running", finished null.
  void start(const std::string& command, const nlohmann::json& config, const std::string& blas_info,
             int threads);
  // status "finished" or "failed", "finished" timestamp, final epoch and the stop reason.
  void finish(const std::string& status, int final_epoch, const std::string& stop_reason);
  void set_dataset(const std::string& name, const std::map<std::string, std::string>& file_sha256);
  void set_labels_sha256(const std::string& sha);
  void add_checkpoint(int epoch, const CheckpointEntry& e);

  // Tolerant readers: a missing or null field gives the fallback.
  std::string str(const std::string& key, const std::string& fallback = "") const;
  std::string config_str(const std::string& key, const std::string& fallback = "") const;
  double config_num(const std::string& key, double fallback) const;
  std::string status() const { return str("status", "unknown"); }
  std::optional<int> final_epoch() const;
  std::map<int, CheckpointEntry> checkpoints() const;  // epoch -> entry
  std::map<std::string, std::string> dataset_files() const;

 private:
  nlohmann::json j_;
};

}  // namespace mp::app
