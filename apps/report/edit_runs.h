#pragma once
// The report's part on --edit-mode reference runs, the reference's "edit during training"
// (docs/method.md §12): for each (dataset, model, level, seed) the runs edited at different
// epochs side by side, as a table and as one plot
//   edit_<dataset>_<model>_p<level>_s<seed>   test accuracy (solid) and training accuracy on the
//                                              corrupted labels (dashed) of each run from its
//                                              edit on; at the edit epoch the edited model's
#include <filesystem>
#include <string>
#include <vector>

#include "apps/report/gnuplot.h"
#include "apps/report/runs.h"
#include "apps/run/console.h"

namespace mp::app {

// Runs grouped by (dataset, model, level, seed), each group ordered by edit epoch.
std::vector<std::vector<const RunData*>> edit_run_groups(const std::vector<RunData>& runs);

// The plot name of a group.
std::string edit_plot_name(const RunData& first);

// Writes one CSV per group into `dir`; one spec per plot.
std::vector<PlotSpec> write_edit_plot_data(const std::vector<RunData>& runs,
                                           const std::filesystem::path& dir);

// One row per run of a group: test accuracy before the edit, of the edited model, after the
// first epoch, the best after the edit (with its epoch) and at the end; the final training
// accuracies against both label arrays.
Table edit_runs_table(const std::vector<const RunData*>& group);

}  // namespace mp::app
