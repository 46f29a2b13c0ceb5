#pragma once
// `memprobe report`: reads every run under one or more directories (possibly gathered from
// several machines), merges them, and writes into the output directory
//   summary.csv, summary.md   the study's summary table (report_summary.h)
//   report.md, report.html    summary (with the runs short of their stop target), the
//                             published numbers beside it and the accuracy-against-p plot,
//                             then per run its facts, tables and each plot beside its table
//   plots/                    plot data (CSV), gnuplot scripts, PNG and SVG (report_plots.h)
// Partial runs are reported with "not computed" where a file is missing.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "apps/report/gnuplot.h"
#include "apps/report/published.h"
#include "apps/report/runs.h"
#include "apps/report/summary.h"

namespace mp::app {

struct ReportOptions {
  std::vector<std::filesystem::path> runs;  // directories to scan for runs
  std::filesystem::path out;                // output directory (created)
  std::string gnuplot = "auto";             // "auto" (search PATH) | "none" | path to gnuplot
};

struct ReportResult {
  LoadedRuns loaded;
  std::vector<SummaryRow> summary;
  PublishedComparison published;  // the published numbers beside the summary's
  std::vector<RenderedPlot> plots;
  std::string gnuplot;  // the gnuplot used, "" when none
  std::vector<std::filesystem::path> written;
};

// Writes the report; `log` gets warnings and progress. Throws mp::Error when no run is found.
ReportResult write_report(const ReportOptions& opt, std::ostream& log);

// The pages (report_pages.cpp), from a result whose summary and plots are filled in.
std::string report_markdown(const ReportResult& r, const ReportOptions& opt);
std::string report_html(const ReportResult& r, const ReportOptions& opt);
std::string summary_markdown(const ReportResult& r);

// What `report` and `reproduce` print: the summary table, then a line per run that did not
// reach its stop target (or one line saying every run did), so a shortfall is seen at once.
std::string console_summary(const ReportResult& r);

// How to get the plots when gnuplot is missing (one paragraph, used by md, html and stderr).
std::string gnuplot_missing_hint(const ReportOptions& opt);

}  // namespace mp::app
