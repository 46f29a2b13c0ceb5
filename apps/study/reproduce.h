#pragma once
// `memprobe reproduce`: the whole study for one preset — for every (seed, corruption level):
// train (resumable; finished runs are reused), probe every layer with MASC (corrupted and true
// subspaces), the linear probe and the baselines, transfer by weight editing, and training
// dynamics over the saved checkpoints; then the summary table and the report.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/report/report.h"
#include "apps/study/probe_flags.h"

namespace mp::app {

struct ReproduceOptions {
  std::string preset = "quick";
  std::filesystem::path out;           // default: runs/<preset>
  std::vector<double> levels;          // empty: the preset's
  std::vector<uint32_t> seeds = {42};  // initial weights only: every run has the same labels
  int64_t label_seed = -1;             // < 0: the preset's (42, as the reference)
  std::string data_dir;
  int max_epochs = -1;        // < 0: the preset's
  int64_t train_subset = -1;  // < 0: the preset's
  int64_t test_subset = -1;   // < 0: the preset's
  double dropout = 0;         // the dropout variant's rate (CNN, ResNet-18); 0 = none
  ProbeFlags probe;           // --layers --probes --subspace --tau --k
  bool dynamics = true;
  bool train_only = false;  // train every run, then stop (no probes, no report)
  std::string gnuplot = "auto";
  std::string command;  // recorded in each run's manifest

  // The command-line arguments that give every option of this struct that differs from its
  // default, except preset, levels, seeds and out (which name a job) and command. A cluster
  // job is `reproduce --preset P --levels L --seeds S --out O` followed by these, so no option
  // can be dropped on the way (add_reproduce_options() parses them back; tested).
  std::vector<std::string> job_args() const;
  // --out, or runs/<preset> (runs/<preset>-dropout<rate> for the dropout variant, so its
  // report never mixes with the plain model's).
  std::filesystem::path out_dir() const;
  // Errors (mp::Error, naming the flag) for options no run of the preset can take.
  void check() const;
  bool operator==(const ReproduceOptions& o) const;
};

// Registers every option of ReproduceOptions on `cmd` (the one place that names them).
void add_reproduce_options(CLI::App* cmd, ReproduceOptions& o);

// Runs everything and writes the report; returns its result (summary rows, files written).
ReportResult reproduce(const ReproduceOptions& opt, std::ostream& log);

}  // namespace mp::app
