#pragma once
// The report's three kinds of plot, each as a CSV of plotted numbers plus a gnuplot spec:
//   layers_<dataset>_<model>_p<level>   (a) test accuracy by layer: model vs each probe
//   levels_<dataset>_<model>            (b) test accuracy against corruption level: model,
//                                           best-layer MASC, best-layer linear probe, edited model,
//                                           and the published values beside them as points
//   dynamics_<dataset>_<model>_p<level> (c) over training epochs: model test accuracy vs the
//                                           best-layer MASC / linear probe and the edited model
// Values are means over seeds (columns *_sd hold the sample sd, empty for one seed).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "apps/report/gnuplot.h"
#include "apps/report/published.h"
#include "apps/report/runs.h"
#include "apps/report/summary.h"

namespace mp::app {

// Writes the CSVs into `dir` and returns one spec per plot (render with render_plot).
// `published`: the rows compared with the published numbers (drawn in the level plots).
std::vector<PlotSpec> write_plot_data(const std::vector<RunData>& runs,
                                      const std::vector<SummaryRow>& summary,
                                      const std::filesystem::path& dir,
                                      const PublishedComparison* published = nullptr);

// One run's test accuracies at one epoch of its training dynamics, as the dynamics plot draws
// them before the mean over seeds: the model, MASC and the linear probe at that epoch's best
// hidden layer (the input layer only when no hidden layer was probed), the edited model. NaN
// when the run has no such value.
struct EpochAccuracies {
  double model, masc, linear, edited;
};
// By epoch; the model's values come from metrics.csv when dynamics.csv has none.
std::map<int, EpochAccuracies> run_dynamics(const RunData& run);

// "mnist_mlp" / "mnist_mlp_p0.4": safe in file names (other characters become '-').
std::string plot_stem(const std::string& dataset, const std::string& model);
std::string plot_stem(const std::string& dataset, const std::string& model, double level);

}  // namespace mp::app
