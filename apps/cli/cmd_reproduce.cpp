// `memprobe reproduce`: the study in one command (apps/study/reproduce.h).
#include <memory>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/study/jobs.h"
#include "apps/study/presets.h"
#include "apps/study/reproduce.h"

namespace mp::app {

namespace {

std::string preset_help() {
  std::ostringstream os;
  os << "Preset:";
  for (const Preset& p : all_presets()) os << "\n    " << p.name << ": " << p.description;
  return os.str();
}

}  // namespace

void add_reproduce_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "reproduce",
      "The whole study for a preset: train every corruption level (resumable, finished runs "
      "reused), probe every layer, transfer, dynamics, then summary table + report");
  auto o = std::make_shared<ReproduceOptions>();
  auto jobs = std::make_shared<std::string>();
  cmd->add_option("--preset", o->preset, preset_help());
  add_reproduce_options(cmd, *o);
  cmd->add_option("--emit-jobs", *jobs,
                  "Do not run: write one self-contained command per (preset, level, seed) to this "
                  "file, for GNU parallel or a Slurm array (docs/cluster.md); every other option "
                  "given here is passed on to each job");
  set_action(cmd, [o, jobs](CommandContext& ctx) {
    const Preset& preset = find_preset(o->preset);
    ReproduceOptions opt = *o;
    if (opt.seeds.empty()) opt.seeds = {42};
    opt.check();  // before any job is written or run
    if (!jobs->empty()) {
      JobGrid g;
      g.presets = {preset.name};
      g.levels = opt.levels.empty() ? preset.levels : opt.levels;
      g.seeds = opt.seeds;
      g.out_dir = opt.out_dir().string();
      g.memprobe = self_executable();
      // A job runs on another machine: it takes that machine's CPUs (or OMP_NUM_THREADS, which
      // Slurm's --cpus-per-task sets) unless --threads was given here explicitly.
      if (ctx.threads_given) g.extra_args = {"--threads", std::to_string(ctx.threads)};
      const std::vector<std::string> rest = opt.job_args();
      g.extra_args.insert(g.extra_args.end(), rest.begin(), rest.end());
      const size_t n = write_jobs_file(*jobs, g);
      ctx.out << "wrote " << n << " jobs to " << *jobs << " (run with: parallel -j N < " << *jobs
              << "; then memprobe report --runs " << g.out_dir << ")\n";
      return 0;
    }
    print_header(ctx);
    opt.command = ctx.command_line;
    ReportResult r = reproduce(opt, ctx.err);
    if (opt.train_only) return 0;
    ctx.out << "\n" << console_summary(r) << "\n";
    ctx.out << "report: " << (opt.out_dir() / "report.html").string()
            << " (also report.md, summary.csv, summary.md)\n";
    return 0;
  });
}

}  // namespace mp::app
