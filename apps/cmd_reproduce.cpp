// `memprobe reproduce`: the study in one command (apps/reproduce.h).
#include <memory>
#include <sstream>

#include "apps/commands.h"
#include "apps/jobs.h"
#include "apps/presets.h"
#include "apps/reproduce.h"

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
  auto levels = std::make_shared<std::vector<double>>();
  auto seeds = std::make_shared<std::vector<uint32_t>>();
  auto jobs = std::make_shared<std::string>();
  cmd->add_option("--preset", o->preset, preset_help());
  cmd->add_option("--out", o->out, "Output directory (default: results/<preset>)");
  cmd->add_option("--levels", *levels, "Corruption levels, comma separated (default: the preset's)")
      ->delimiter(',');
  cmd->add_option("--seeds", *seeds,
                  "Seeds of the initial weights, comma separated (default 42); several seeds give "
                  "mean ± sd. Every run corrupts its labels with the same --label-seed")
      ->delimiter(',');
  cmd->add_option("--label-seed", o->label_seed,
                  "Seed of the label corruption (default 42, as in every run of the reference)")
      ->check(CLI::Range(int64_t{0}, int64_t{4294967295}));
  cmd->add_option("--data-dir", o->data_dir, "Dataset directory");
  cmd->add_option("--max-epochs", o->max_epochs, "Override the preset's epoch cap");
  cmd->add_option("--train-subset", o->train_subset, "Override the preset's training subset (0 = all)");
  cmd->add_option("--test-subset", o->test_subset, "Evaluate on the first N test images (0 = all)");
  cmd->add_option("--layers", o->layers, "Layers to probe: all | comma list");
  cmd->add_option("--probes", o->probes, "Probes: comma list of masc, linear, ncm, logreg");
  cmd->add_flag("!--no-dynamics", o->dynamics, "Skip the training-dynamics step");
  cmd->add_flag("--train-only", o->train_only,
                "Train every (level, seed) and stop: no probes, transfer, dynamics or report. "
                "Rerun without it to analyse the finished runs (they are reused, not retrained)");
  cmd->add_option("--gnuplot", o->gnuplot, "auto | none | path to gnuplot");
  cmd->add_option("--emit-jobs", *jobs,
                  "Do not run: write one self-contained command per (preset, level, seed) to this "
                  "file, for GNU parallel or a Slurm array (docs/cluster.md)");
  set_action(cmd, [o, levels, seeds, jobs](CommandContext& ctx) {
    const Preset& preset = find_preset(o->preset);
    ReproduceOptions opt = *o;
    opt.levels = *levels;
    if (!seeds->empty()) opt.seeds = *seeds;
    for (double l : opt.levels)
      MP_CHECK(l >= 0 && l <= 1, "--levels: corruption level " << l << " is outside [0, 1]");
    if (!jobs->empty()) {
      JobGrid g;
      g.presets = {preset.name};
      g.levels = opt.levels.empty() ? preset.levels : opt.levels;
      g.seeds = opt.seeds;
      g.out_dir = opt.out.empty() ? "results/" + preset.name : opt.out.string();
      g.memprobe = self_executable();
      // A job runs on another machine: it takes that machine's CPUs (or OMP_NUM_THREADS, which
      // Slurm's --cpus-per-task sets) unless --threads was given here explicitly.
      if (ctx.threads_given) g.extra_args = {"--threads", std::to_string(ctx.threads)};
      if (!opt.data_dir.empty()) g.extra_args.insert(g.extra_args.end(), {"--data-dir", opt.data_dir});
      if (opt.max_epochs >= 0) g.extra_args.insert(g.extra_args.end(), {"--max-epochs", std::to_string(opt.max_epochs)});
      if (opt.train_subset >= 0) g.extra_args.insert(g.extra_args.end(), {"--train-subset", std::to_string(opt.train_subset)});
      if (opt.test_subset >= 0) g.extra_args.insert(g.extra_args.end(), {"--test-subset", std::to_string(opt.test_subset)});
      if (opt.label_seed >= 0) g.extra_args.insert(g.extra_args.end(), {"--label-seed", std::to_string(opt.label_seed)});
      if (!opt.dynamics) g.extra_args.push_back("--no-dynamics");
      const size_t n = write_jobs_file(*jobs, g);
      ctx.out << "wrote " << n << " jobs to " << *jobs << " (run with: parallel -j N < " << *jobs
              << "; then memprobe report --runs " << g.out_dir << ")\n";
      return 0;
    }
    print_header(ctx);
    opt.command = ctx.command_line;
    ReportResult r = reproduce(opt, ctx.err);
    if (opt.train_only) return 0;
    ctx.out << "\n" << summary_table(r.summary).to_text() << "\n";
    const std::filesystem::path out = opt.out.empty() ? std::filesystem::path("results") / preset.name : opt.out;
    ctx.out << "report: " << (out / "report.html").string() << " (also report.md, summary.csv, summary.md)\n";
    return 0;
  });
}

}  // namespace mp::app
