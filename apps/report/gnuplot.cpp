#include "apps/report/gnuplot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "apps/run/manifest.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::app {

namespace fs = std::filesystem;

std::string find_gnuplot() {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    const fs::path p = fs::path(dir) / "gnuplot";
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

namespace {

// A gnuplot single-quoted string: no escapes except '' for a quote.
std::string gp_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += (c == '\'') ? std::string("''") : std::string(1, c);
  return o + "'";
}

// Column value in percent, missing when the cell is empty.
std::string pct(int col) {
  return "($" + std::to_string(col) + "*100)";
}

std::string plot_command(const PlotSpec& s, const fs::path& csv) {
  std::ostringstream o;
  o << "plot ";
  for (size_t i = 0; i < s.series.size(); ++i) {
    const PlotSeries& ser = s.series[i];
    if (i) o << ", \\\n     ";
    // skip 1: the CSV header is not a data row (with xtic() gnuplot would plot it as one).
    o << (i == 0 ? gp_quote(csv.string()) : std::string("''")) << " skip 1 using ";
    const std::string x = s.x_axis == PlotXAxis::Categorical ? "0" : std::to_string(s.x_col);
    o << x << ':' << pct(ser.y_col);
    // A single seed has no sd (empty cell): draw a zero error bar instead of dropping the point.
    if (ser.err_col > 0)
      o << ":(column(" << ser.err_col << ") == column(" << ser.err_col << ") ? column("
        << ser.err_col << ")*100 : 0)";  // an empty cell reads as NaN, and NaN != NaN
    if (s.x_axis == PlotXAxis::Categorical) o << ":xtic(" << s.x_col << ")";
    if (ser.points_only)
      o << " with points pt 6 ps 1.6 lw 2";  // open circles: visible on top of a curve's points
    else
      o << " with " << (ser.err_col > 0 ? "yerrorlines" : "linespoints") << " lw 2";
    if (ser.color > 0) o << " lc " << ser.color;
    if (ser.dashed) o << " dt 2";
    o << " title " << gp_quote(ser.title);
  }
  return o.str();
}

}  // namespace

std::string gnuplot_script(const PlotSpec& s, const fs::path& csv, const fs::path& png,
                           const fs::path& svg) {
  MP_CHECK(!s.series.empty(), "plot " << s.name << ": no series");
  std::ostringstream o;
  o << "# memprobe plot: " << s.title << "\n"
    << "# data: " << csv.filename().string() << " (accuracies are fractions; drawn as %)\n"
    << "# run from this script's folder: gnuplot " << s.name << ".gp\n"
    << "set datafile separator ','\n"
    << "set title " << gp_quote(s.title) << " noenhanced\n"
    << "set xlabel " << gp_quote(s.xlabel) << " noenhanced\n"
    << "set ylabel " << gp_quote(s.ylabel) << " noenhanced\n"
    << "set yrange [0:100]\n"
    << "set grid\n"
    // Below the plot, in rows: a legend at the side took a third of the image's width.
    << "set key below center horizontal Left reverse height 1 noenhanced\n"
    << "set bars small\n";
  switch (s.x_axis) {
    case PlotXAxis::Level:
      // Corruption levels live in [0, 1]: show the whole range so the levels run sit in context.
      o << "set xrange [-0.03:1.03]\nset xtics 0.1\n";
      break;
    case PlotXAxis::Categorical:
      o << "set offsets 0.3, 0.3, 0, 0\nset xtics noenhanced\n";
      break;
    case PlotXAxis::LogPlusOne:
      // log(x+1) keeps epoch 0 (the initialisation) on the axis; ticks at round epochs.
      o << "set nonlinear x via log10(x+1) inverse 10**x-1\n"
        << "set xrange [0:*]\n"
        << "set xtics (";
      if (s.x_ticks.empty()) {
        o << "0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000";
      } else {
        for (size_t i = 0; i < s.x_ticks.size(); ++i) o << (i ? ", " : "") << s.x_ticks[i];
      }
      o << ")\n";
      break;
  }
  const std::string cmd = plot_command(s, csv);
  // Wide, to fill the report's content column (1200 px at most) at its natural size.
  const std::string size = std::to_string(kPlotWidth) + "," + std::to_string(kPlotHeight);
  o << "if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {\n"
    << "  set terminal pngcairo size " << size << " font 'sans,10'\n"
    << "} else {\n"
    << "  set terminal png size " << size << "\n"
    << "}\n"
    << "set output " << gp_quote(png.string()) << "\n"
    << cmd << "\n"
    << "set terminal svg size " << size << " dynamic font 'sans,10'\n"
    << "set output " << gp_quote(svg.string()) << "\n"
    << cmd << "\n"
    << "set output\n";
  return o.str();
}

RenderedPlot render_plot(const PlotSpec& spec, const fs::path& dir, const std::string& gnuplot) {
  RenderedPlot r;
  r.name = spec.name;
  r.title = spec.title;
  r.csv = dir / (spec.name + ".csv");
  r.script = dir / (spec.name + ".gp");
  r.png = dir / (spec.name + ".png");
  r.svg = dir / (spec.name + ".svg");
  // The script names its files relative to its own folder, so a committed or copied bundle's
  // scripts run anywhere (`cd plots && gnuplot NAME.gp`); absolute paths tied them to the
  // machine that wrote them.
  write_file_atomic(r.script.string(),
                    gnuplot_script(spec, r.csv.filename(), r.png.filename(), r.svg.filename()));
  if (gnuplot.empty()) return r;
  std::error_code ec;
  fs::remove(r.png, ec);
  fs::remove(r.svg, ec);
  const fs::path abs_dir = fs::absolute(dir);
  const fs::path log = abs_dir / (spec.name + ".gnuplot.log");
  const std::string cmd = "cd " + shell_quote(abs_dir.string()) + " && " + shell_quote(gnuplot) +
                          " " + shell_quote(r.script.filename().string()) + " > " +
                          shell_quote(log.string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::string out;
  try {
    out = read_file_text(log.string());
  } catch (const std::exception&) {
  }
  fs::remove(log, ec);
  const bool ok = rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && fs::exists(r.png, ec) &&
                  fs::exists(r.svg, ec);
  if (ok) {
    r.rendered = true;
  } else {
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    r.error = "gnuplot failed on " + r.script.string() + (out.empty() ? "" : ": " + out);
  }
  return r;
}

}  // namespace mp::app
