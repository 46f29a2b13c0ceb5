#pragma once
// Plots via gnuplot (Debian gnuplot-nox), the one plotting tool a headless cluster node is
// likely to have. Every plot is three files next to each other: the data as CSV (so anyone can
// re-plot it), the gnuplot script (.gp, so the figure can be restyled by hand), and the rendered
// PNG and SVG. Without gnuplot the CSV and script are still written and the report says how to
// render them.
#include <filesystem>
#include <string>
#include <vector>

namespace mp::app {

// Full path of an executable `gnuplot` on PATH, or "" when there is none.
std::string find_gnuplot();

struct PlotSeries {
  std::string title;
  int y_col = 2;    // 1-based column of the CSV holding the value (a fraction; drawn as %)
  int err_col = 0;  // 1-based column of its sd (fraction), 0 = no error bars
  bool dashed = false;
  // Unconnected points (values from elsewhere, e.g. published numbers, set beside a curve).
  bool points_only = false;
  int color = 0;  // gnuplot linetype whose colour to use, so a point matches its curve; 0 = next
};

enum class PlotXAxis {
  Level,        // x = column x_col, a corruption level in [0, 1] (axis spans all of it)
  Categorical,  // x = row order, tick labels from column x_col (layer names)
  LogPlusOne,   // x = column x_col on a log(x+1) axis, so epoch 0 fits (training dynamics)
};

struct PlotSpec {
  std::string name;  // file stem in the plot directory, e.g. "levels_mnist_mlp"
  std::string title, xlabel, ylabel = "accuracy (%)";
  int x_col = 1;
  PlotXAxis x_axis = PlotXAxis::Level;
  std::vector<double> x_ticks;  // LogPlusOne: tick positions (default: round epochs to 1000)
  std::vector<PlotSeries> series;
};

struct RenderedPlot {
  std::string name, title;
  std::filesystem::path csv, script, png, svg;  // png/svg exist only when rendered
  bool rendered = false;
  std::string error;  // gnuplot's complaint when it failed
};

// Size of the rendered PNG and SVG in pixels: about the width of the report's content column.
constexpr int kPlotWidth = 1200, kPlotHeight = 520;

// The gnuplot script drawing `csv` into `png` and `svg` (absolute paths recommended).
std::string gnuplot_script(const PlotSpec& spec, const std::filesystem::path& csv,
                           const std::filesystem::path& png, const std::filesystem::path& svg);

// Writes `dir/<name>.gp` for the data in `dir/<name>.csv` (which the caller has written) and,
// when `gnuplot` is non-empty, runs it to make `<name>.png` and `<name>.svg`. Never throws for a
// gnuplot failure: the result records it.
RenderedPlot render_plot(const PlotSpec& spec, const std::filesystem::path& dir,
                         const std::string& gnuplot);

}  // namespace mp::app
