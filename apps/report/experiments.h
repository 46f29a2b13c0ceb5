#pragma once
// The first paper's two extra experiments as the report shows them, read from the files their
// commands leave in a run directory (docs/formats.md): `memprobe clean-control` writes
// RUN/clean_control.csv (MASC with this run's corrupted labels on the p = 0 model), and
// `memprobe relabel` writes RUN/relabel/summary.json (a model retrained on MASC's labels). Both
// are optional: a run without them shows neither table.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "apps/run/clean_control_results.h"
#include "apps/run/console.h"

namespace mp::app {

struct RelabelSummary {
  std::string layer, stop_reason;
  int best_epoch = 0, epochs_trained = 0;
  long heldout_n = 0, eval_n = 0;
  double retrained_eval_acc = 0, model_eval_acc = 0, masc_eval_acc = 0;  // fractions
  double corrected_share = 0;  // NaN when no label was wrong (p = 0)
};

// Each reader returns nothing when its file is absent, and throws mp::Error naming the file when
// it is there but unreadable (the caller turns that into a note on the run).
std::optional<std::vector<CleanControlRow>> read_clean_control(const std::filesystem::path& run);
std::optional<RelabelSummary> read_relabel_summary(const std::filesystem::path& run);

// layer | MASC on the p = 0 model (this run's labels) | this run's own MASC, from `own` (test
// accuracies by layer, fractions; "-" where the run has none).
Table clean_control_table(const std::vector<CleanControlRow>& rows,
                          const std::vector<std::pair<std::string, double>>& own);
// One row: layer, best epoch, retrained / model / MASC on the evaluation part, corrected share.
Table relabel_table(const RelabelSummary& s);

}  // namespace mp::app
