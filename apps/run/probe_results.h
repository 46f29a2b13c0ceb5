#pragma once
// Probe results as tables: probes.csv (docs/formats.md), its one owner, and the console table.
// Shared by `memprobe probe` (a run directory) and `memprobe probe-arrays` (any network's
// activations), so both write the same columns with the same number format; the report, audit
// and reproduce read the file back through read_probes_csv().
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "apps/run/console.h"
#include "apps/run/file_format.h"
#include "probes/metrics.h"

namespace mp::app {

// The file name and its columns; (epoch, layer, probe, subspace, rule) is a row's key.
const FileFormat& probes_format();
// probes_format()'s column names: the header the file is written with.
const std::vector<std::string>& probes_csv_header();

// One row of probes.csv. Accuracies are fractions; NaN = not measured (probe-arrays without
// true training labels).
struct ProbeRow {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int epoch = 0;
  std::string layer, probe, subspace;  // probe: masc|linear|ncm|logreg; subspace: corrupted|true
  std::string rule;  // masc: its component rule ("tau=0.99", "k=1"); empty for the other probes
  double test_acc = kNaN, train_acc_corrupted = kNaN, train_acc_true = kNaN;
  std::string k_per_class;  // masc: "k_0 k_1 ... k_{K-1}"; empty for the other probes
  bool best = false;        // the best layer of this (epoch, probe, subspace, rule)
  std::string params;       // what the probe chose (probes::ProbeResult::params); may be empty
  bool operator==(const ProbeRow& o) const;  // NaN equals NaN: "not measured" in both
};

// The rows of `results` (all of one epoch); `best` marks, per (probe, subspace), the best layer
// among `results` (probes::best_layers).
std::vector<ProbeRow> probe_rows(int epoch, const std::vector<probes::ProbeResult>& results);

// The rule of masc rows in a file written before the `rule` column: memprobe's default, tau 0.99
// (one rule per run then; a run probed with another --tau then must be re-probed to say so).
extern const char* const kLegacyMascRule;

// Writes `rows` into the probes.csv at `path`: rows with the same (epoch, layer, probe, subspace,
// rule) are replaced, others kept (upsert, atomic). An older file without the rule column is
// first rewritten with it (masc rows: kLegacyMascRule), so its rows keep their keys.
void write_probes_csv(const std::filesystem::path& path, const std::vector<ProbeRow>& rows);
// Every row, in file order; an absent file is no rows. Throws mp::Error naming the file (and the
// column) on a bad one. Holds every MASC rule of an ablation: readers that want one number per
// (epoch, layer, probe, subspace) take primary_rule_rows() of it.
std::vector<ProbeRow> read_probes_csv(const std::filesystem::path& path);

// The MASC rule a file's one-number readers use (the summary, the pages, audit): tau=0.99, the
// default, when the file has it; otherwise the rule of the file's first masc row (a run probed
// with only --tau 0.5 reads as before). Empty when the file has no masc rows.
std::string primary_rule(const std::vector<ProbeRow>& rows);
// `rows` without the masc rows of any rule but primary_rule(rows): extra ablation rows do not
// change what a reader of one rule sees.
std::vector<ProbeRow> primary_rule_rows(const std::vector<ProbeRow>& rows);

// layer, probe, subspace, accuracies in %, k_per_class, best ("*"); a rule column only when the
// results hold more than one MASC rule (so the default table is unchanged).
Table probe_results_table(const std::vector<probes::ProbeResult>& results);

// "k_0 k_1 ... k_{K-1}": probes.csv's k_per_class cell.
std::string join_ints(const std::vector<int>& v);

}  // namespace mp::app
