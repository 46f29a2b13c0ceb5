// `memprobe report`: the study's tables and plots from run directories (apps/report/report.h).
#include "apps/cli/commands.h"
#include "apps/report/report.h"

namespace mp::app {

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report",
      "Summarise finished (or partial) runs: summary.csv/.md, report.md, a self-contained "
      "report.html and plots (gnuplot)");
  auto opt = std::make_shared<ReportOptions>();
  auto runs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--runs", *runs,
                  "Directory to scan (recursively) for runs, i.e. folders holding a manifest.json; "
                  "repeat to merge trees gathered from several machines (duplicate runs of one "
                  "dataset/model/level/seed are merged, conflicts are warned about)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", *out, "Output directory (default: the first --runs directory)");
  cmd->add_option("--gnuplot", opt->gnuplot,
                  "gnuplot executable: 'auto' searches PATH, 'none' skips rendering (the plot "
                  "data and scripts are still written)");
  set_action(cmd, [opt, runs, out](CommandContext& ctx) {
    print_header(ctx);
    opt->runs.assign(runs->begin(), runs->end());
    opt->out = out->empty() ? opt->runs.front() : std::filesystem::path(*out);
    const ReportResult r = write_report(*opt, ctx.err);
    ctx.out << console_summary(r) << '\n';
    for (const auto& p : r.written) ctx.out << "wrote " << p.string() << '\n';
    int rendered = 0;
    for (const auto& p : r.plots) rendered += p.rendered;
    ctx.out << "plots: " << rendered << " of " << r.plots.size() << " rendered in "
            << (opt->out / "plots").string() << '\n';
    return 0;
  });
}

}  // namespace mp::app
