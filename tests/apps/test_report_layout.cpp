// Where the report puts its plots: each beside the table it draws (the accuracy-against-p plot
// under the summary, a level's per-layer and dynamics plots in the section of its first seed),
// with a sentence saying what to look for, and drawn wide with the legend below.
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/report/gnuplot.h"
#include "apps/report/report.h"
#include "tensor/io/atomic_file.h"
#include "test_report_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// Where the plot stands in report.md: its image when rendered, else the line naming its data.
size_t plot_position(const std::string& md, const ReportResult& res, const std::string& name) {
  for (const RenderedPlot& p : res.plots)
    if (p.name == name) {
      const std::string mark =
          p.rendered ? "](plots/" + name + ".png)" : "`plots/" + name + ".csv`";
      const size_t at = md.find(mark);
      CHECK(md.find(mark, at + 1) == std::string::npos);  // placed once
      return at;
    }
  FAIL("no plot " << name);
  return std::string::npos;
}

size_t find_after(const std::string& md, const std::string& what, size_t from) {
  const size_t at = md.find(what, from);
  INFO(what);
  REQUIRE(at != std::string::npos);
  return at;
}

}  // namespace

TEST_CASE("report layout: every plot stands after its table, no separate plots section",
          "[apps][report]") {
  TempDir tmp;
  mp::testing::write_standard_tree(tmp.path());  // mlp and cnn, p 0.2 and 0.6, seeds 1 and 2
  ReportOptions o =
      mp::testing::report_options(tmp / "runs", tmp / "out", mp::testing::plots_if_installed());
  std::ostringstream log;
  const ReportResult res = write_report(o, log);
  const std::string md = mp::read_file_text((tmp / "out" / "report.md").string());

  CHECK(md.find("## Plots") == std::string::npos);
  CHECK(md.find("## Other plots") == std::string::npos);
  const size_t summary = find_after(md, "| dataset | model | level |", 0);
  const size_t cost = find_after(md, "## Cost", 0);
  for (const char* name : {"levels_mnist_mlp", "levels_mnist_cnn"}) {
    const size_t at = plot_position(md, res, name);
    CHECK(at > summary);
    CHECK(at < cost);
  }
  for (const char* model : {"mlp", "cnn"})
    for (const char* level : {"0.2", "0.6"}) {
      const std::string run = std::string("### mnist/") + model + " p=" + level + " seed ";
      const size_t seed1 = find_after(md, run + "1", 0);
      const size_t seed2 = find_after(md, run + "2", seed1);
      const std::string stem = std::string("mnist_") + model + "_p" + level;
      const size_t layers = plot_position(md, res, "layers_" + stem);
      CHECK(layers > find_after(md, "#### Probe test accuracy by layer", seed1));
      CHECK(layers < find_after(md, "#### Probe train accuracy by layer", seed1));
      const size_t dynamics = plot_position(md, res, "dynamics_" + stem);
      CHECK(dynamics > find_after(md, "#### Test accuracy during training", seed1));
      CHECK(dynamics < seed2);
    }
  if (o.gnuplot == "none") {
    WARN("gnuplot not on PATH: the captions were not checked");
    return;
  }
  // Under each image, what to look for, not its title again.
  for (const char* look_for :
       {"The model's test accuracy falls as p grows", "Where each probe reads the most",
        "The model's test accuracy peaks early and falls as it memorises"})
    CHECK(md.find(look_for) != std::string::npos);
  const std::string html = mp::read_file_text((tmp / "out" / "report.html").string());
  CHECK(html.find("<figcaption>Where each probe reads the most") != std::string::npos);
  CHECK(html.find("figure img{display:block;width:100%") != std::string::npos);
}

TEST_CASE("report layout: plots are drawn wide with the legend below", "[apps][report]") {
  PlotSpec s;
  s.name = "x";
  s.title = "t";
  s.series = {{"model", 2, 0, false}};
  const std::string gp = gnuplot_script(s, "x.csv", "x.png", "x.svg");
  CHECK(gp.find("set terminal pngcairo size 1200,520") != std::string::npos);
  CHECK(gp.find("set terminal svg size 1200,520") != std::string::npos);
  CHECK(gp.find("set key below") != std::string::npos);
  CHECK(gp.find("outside right") == std::string::npos);
}

TEST_CASE("report layout: a plot's script names its files relative to its own folder",
          "[apps][report]") {
  // The bundle's scripts are committed and copied: an absolute path would tie them to the
  // machine that wrote them (the bundle's scripts named its absolute paths until this was found).
  TempDir tmp;
  PlotSpec s;
  s.name = "x";
  s.title = "t";
  s.series = {{"model", 2, 0, false}};
  const RenderedPlot r = render_plot(s, std::filesystem::absolute(tmp.path()), "");
  const std::string gp = mp::read_file_text(r.script.string());
  CHECK(gp.find("set output 'x.png'") != std::string::npos);
  CHECK(gp.find("set output 'x.svg'") != std::string::npos);
  CHECK(gp.find("plot 'x.csv'") != std::string::npos);
  CHECK(gp.find(tmp.path().string()) == std::string::npos);
}
