#pragma once
// timing.csv of a run (docs/formats.md): the wall time of every analysis phase - activations,
// each probe per layer, transfer, dynamics per checkpoint - one row per (phase, epoch, layer,
// probe). A recomputed step replaces its row and finished steps keep theirs, so the file sums
// correctly over any number of sittings. The training phases (steps, evaluation, checkpoint
// writes) are per-epoch columns of metrics.csv; phase_costs() puts the two together.
#include <filesystem>
#include <string>
#include <vector>

#include "apps/run/file_format.h"
#include "apps/run/metrics_log.h"

namespace mp::app {

// The file name and its columns; (phase, epoch, layer, probe) is a row's key.
const FileFormat& timing_format();

struct PhaseTime {
  // "activations" | "probe" | "transfer" | "dynamics"; steps run inside a dynamics checkpoint
  // are "dynamics:activations", "dynamics:probe", "dynamics:transfer", "dynamics:eval" (their
  // time is already in that checkpoint's "dynamics" row).
  std::string phase;
  int epoch = 0;
  std::string layer;  // "" when the phase is not per layer; activations: the layers of one pass
  std::string probe;  // probe rows: masc/corrupted, masc/true, linear, ncm, logreg
  double seconds = 0;
  // Read back: the memprobe commit that computed the step ("" in files older than the column).
  // Written: always this binary's commit, whatever the field holds.
  std::string commit = "";
};

// Adds (or replaces, by key) rows of RUN/timing.csv, each naming this binary's commit.
void record_phase_times(const std::filesystem::path& csv, const std::vector<PhaseTime>& rows);
// Every row; an absent file is no rows. Throws mp::Error naming the file on a bad one.
std::vector<PhaseTime> read_phase_times(const std::filesystem::path& csv);

// A run's cost by phase, in seconds: training from metrics.csv, analysis from timing.csv.
struct PhaseCosts {
  double train = 0, eval = 0, checkpoint = 0;                      // training, summed over epochs
  double activations = 0, probes = 0, transfer = 0, dynamics = 0;  // top-level analysis rows
  double total() const {
    return train + eval + checkpoint + activations + probes + transfer + dynamics;
  }
  // Everything that is not a training step, as a fraction of the training steps.
  double overhead() const { return train > 0 ? (total() - train) / train : 0; }
};
PhaseCosts phase_costs(const std::vector<EpochMetrics>& metrics,
                       const std::vector<PhaseTime>& times);

}  // namespace mp::app
