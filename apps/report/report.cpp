#include "apps/report/report.h"

#include "apps/report/edit_runs.h"
#include "apps/report/plot_data.h"
#include "apps/run/manifest.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::app {

namespace fs = std::filesystem;

std::string gnuplot_missing_hint(const ReportOptions& opt) {
  std::string dirs;
  for (const auto& d : opt.runs) dirs += " --runs " + shell_quote(d.string());
  const std::string why = opt.gnuplot == "none" ? "plot rendering was switched off (--gnuplot none)"
                                                : "gnuplot was not found on PATH";
  return "Plots were not rendered because " + why +
         ". Their data (CSV) and gnuplot scripts are in plots/. To get the figures, install "
         "gnuplot (Debian/Ubuntu: `apt-get install -y gnuplot-nox`) and run `memprobe report" +
         dirs + " --out " + shell_quote(opt.out.string()) + "` again.";
}

std::string console_summary(const ReportResult& r) {
  std::string s = summary_table(r.summary).to_text();
  const std::vector<std::string> notes = stop_target_notes(r.loaded.runs);
  if (!notes.empty()) s += "\nStop target not reached:\n";
  for (const auto& n : notes) s += "  " + n + "\n";
  if (all_stop_targets_reached(r.loaded.runs))
    s += std::string("\n") + kAllStopTargetsReached + "\n";
  return s;
}

ReportResult write_report(const ReportOptions& opt, std::ostream& log) {
  MP_CHECK(!opt.runs.empty(), "report: no run directory given (--runs DIR)");
  MP_CHECK(!opt.out.empty(), "report: no output directory given (--out DIR)");
  ReportResult res;
  res.loaded = load_runs(opt.runs);
  for (const auto& w : res.loaded.warnings) log << "warning: " << w << '\n';
  for (const auto& n : res.loaded.notes) log << "note: " << n << '\n';
  std::string where;
  for (const auto& d : opt.runs) where += (where.empty() ? "" : ", ") + d.string();
  MP_CHECK(!res.loaded.runs.empty() || !res.loaded.edit_runs.empty(),
           "no runs found under " << where << " (a run is a folder with a manifest.json)");
  log << "report: " << res.loaded.runs.size() + res.loaded.edit_runs.size() << " run(s) from "
      << where << '\n';

  res.summary = summarize(res.loaded.runs);
  res.published = compare_with_published(res.loaded.runs, res.summary);
  res.published.notes = find_difference_notes(opt.runs);
  for (const std::string& w : unmatched_notes(res.published, kLargeDifference)) {
    log << "warning: " << w << '\n';
    res.loaded.warnings.push_back(w);
  }

  std::error_code ec;
  fs::create_directories(opt.out, ec);
  MP_CHECK(!ec, "cannot create output directory '" << opt.out.string() << "': " << ec.message());

  if (opt.gnuplot == "auto")
    res.gnuplot = find_gnuplot();
  else if (opt.gnuplot != "none")
    res.gnuplot = opt.gnuplot;
  const fs::path plot_dir = opt.out / "plots";
  for (const PlotSpec& spec :
       write_plot_data(res.loaded.runs, res.summary, plot_dir, &res.published)) {
    RenderedPlot p = render_plot(spec, plot_dir, res.gnuplot);
    if (!p.error.empty()) log << "warning: " << p.error << '\n';
    res.plots.push_back(std::move(p));
  }
  for (const PlotSpec& spec : write_edit_plot_data(res.loaded.edit_runs, plot_dir)) {
    RenderedPlot p = render_plot(spec, plot_dir, res.gnuplot);
    if (!p.error.empty()) log << "warning: " << p.error << '\n';
    res.plots.push_back(std::move(p));
  }
  if (res.gnuplot.empty()) log << "note: " << gnuplot_missing_hint(opt) << '\n';

  const fs::path csv = opt.out / summary_format().file;
  write_summary_csv(csv.string(), res.summary);
  res.written.push_back(csv);
  const std::pair<const char*, std::string> pages[] = {
      {"summary.md", summary_markdown(res)},
      {"report.md", report_markdown(res, opt)},
      {"report.html", report_html(res, opt)},
  };
  for (const auto& [name, text] : pages) {
    write_file_atomic((opt.out / name).string(), text);
    res.written.push_back(opt.out / name);
  }
  return res;
}

}  // namespace mp::app
