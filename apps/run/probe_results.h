#pragma once
// Probe results as tables: probes.csv (docs/formats.md) and the console table. Shared by
// `memprobe probe` (a run directory) and `memprobe probe-arrays` (any network's activations), so
// both write the same columns with the same number format.
#include <string>
#include <vector>

#include "apps/run/console.h"
#include "probes/metrics.h"

namespace mp::app {

const std::vector<std::string>& probes_csv_header();

// Writes `results` (all of one epoch) into the probes.csv at `path`: rows with the same (epoch,
// layer, probe, subspace) are replaced, others kept (upsert_csv, atomic). `best` marks, per
// (probe, subspace), the best layer among `results` (probes::best_layers).
void write_probes_csv(const std::string& path, int epoch,
                      const std::vector<probes::ProbeResult>& results);

// layer, probe, subspace, accuracies in %, k_per_class, best ("*").
Table probe_results_table(const std::vector<probes::ProbeResult>& results);

// "k_0 k_1 ... k_{K-1}": probes.csv's k_per_class cell.
std::string join_ints(const std::vector<int>& v);

}  // namespace mp::app
