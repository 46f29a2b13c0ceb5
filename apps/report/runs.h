#pragma once
// Reading run directories for `memprobe report`: every CSV of the run-directory contract
// (docs/formats.md) through its owner's reader, tolerant of partial runs (a missing or
// unreadable file becomes a note, never an abort), and merging of run trees gathered from
// several machines: one run per (dataset, model, level, seed), with a warning when duplicates
// disagree.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apps/report/experiments.h"
#include "apps/run/dynamics_results.h"
#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/phase_times.h"
#include "apps/run/probe_results.h"
#include "apps/run/transfer_results.h"

namespace mp::app {

// The rows of each run file, read by the file's one reader in apps/run/ (ProbeRow, TransferRow,
// DynamicsRow are declared there too).
using MetricsRow = EpochMetrics;

// Identity of a run in the study. Levels are compared after rounding to 1e-6 so that 0.4
// written by two machines is one level.
struct RunKey {
  std::string dataset, model;
  double level = 0;
  int64_t seed = 0;
  // --edit-mode reference runs (the reference's edit during training, docs/method.md §12): the
  // epoch edited, so the runs of one level and seed stay apart; -1 for every other run.
  int edit_at = -1;
  int64_t level_micro() const;
  bool operator<(const RunKey& o) const;
  bool operator==(const RunKey& o) const;
  std::string to_string() const;  // "mnist/mlp p=0.4 seed 1"
};

struct RunData {
  std::filesystem::path dir;
  Manifest manifest;
  RunKey key;
  std::vector<MetricsRow> metrics;
  std::vector<ProbeRow> probes;  // one MASC rule (primary_rule_rows): what the tables compare
  // Every MASC row of probes.csv when it holds more than one rule (an ablation), else empty.
  std::vector<ProbeRow> masc_rules;
  // Paper 1's extra experiments, when their commands were run on this run (experiments.h).
  std::optional<std::vector<CleanControlRow>> clean_control;
  std::optional<RelabelSummary> relabel;
  std::vector<TransferRow> transfer;
  std::vector<DynamicsRow> dynamics;
  std::vector<PhaseTime> timing;  // timing.csv (analysis phases)
  // Which result files were read, by file name (metrics_format().file, ...); anything else is
  // "not computed".
  std::map<std::string, bool> has;
  std::vector<std::string> notes;  // missing files, parse errors, "status running"

  // Final epoch: the manifest's, else the last metrics row's, else the last probes row's.
  std::optional<int> final_epoch() const;
  // Metrics row of the final epoch (the last row when the final epoch has none).
  const MetricsRow* final_metrics() const;
  // The latest epoch that has probe rows.
  std::optional<int> probe_epoch() const;
  // Probe rows of one (epoch, probe, subspace), in file order.
  std::vector<const ProbeRow*> probe_rows(int epoch, const std::string& probe,
                                          const std::string& subspace) const;
  // Layers in first-appearance order of probes.csv (else dynamics.csv).
  std::vector<std::string> layers() const;
  // Number of result files present, for choosing among duplicates.
  int completeness() const;
};

// Reads one run directory. Throws mp::Error only when the manifest itself is unreadable or
// lacks the identity fields (config.dataset, config.model, config.corrupt, config.seed).
RunData load_run(const std::filesystem::path& dir);

struct LoadedRuns {
  std::vector<RunData> runs;          // one per key, sorted by key
  std::vector<RunData> edit_runs;     // the runs with edit_at >= 0: their own report section
  std::vector<std::string> warnings;  // unreadable manifests, conflicting duplicates
  std::vector<std::string> notes;     // identical duplicates that were merged
};

// Every run under each of `roots` (find_runs), merged across roots. Among duplicates of a key the
// kept run is the finished one, then the most complete, then the most recently finished; duplicates
// whose final numbers differ produce a warning naming both directories.
LoadedRuns load_runs(const std::vector<std::filesystem::path>& roots);

}  // namespace mp::app
