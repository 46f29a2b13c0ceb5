#include "apps/study/reproduce.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "apps/run/console.h"
#include "apps/run/metrics_log.h"
#include "apps/run/probe_results.h"
#include "apps/run/run_dir.h"
#include "apps/run/trainer.h"
#include "apps/run/transfer_results.h"
#include "apps/study/analysis.h"
#include "apps/study/presets.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

// True when `rows` (of probes.csv or transfer.csv) hold `epoch`: that step is done.
template <class Row>
bool has_epoch_rows(const std::vector<Row>& rows, int epoch) {
  for (const Row& r : rows)
    if (r.epoch == epoch) return true;
  return false;
}

}  // namespace

std::vector<std::string> ReproduceOptions::job_args() const {
  const ReproduceOptions d;
  std::vector<std::string> a;
  auto add = [&a](const char* flag, const std::string& v) { a.insert(a.end(), {flag, v}); };
  if (label_seed != d.label_seed) add("--label-seed", std::to_string(label_seed));
  if (data_dir != d.data_dir) add("--data-dir", data_dir);
  if (max_epochs != d.max_epochs) add("--max-epochs", std::to_string(max_epochs));
  if (train_subset != d.train_subset) add("--train-subset", std::to_string(train_subset));
  if (test_subset != d.test_subset) add("--test-subset", std::to_string(test_subset));
  if (dropout != d.dropout) add("--dropout", csv_number(dropout));
  for (const std::string& p : probe.to_args()) a.push_back(p);
  if (!dynamics) a.push_back("--no-dynamics");
  if (train_only) a.push_back("--train-only");
  if (gnuplot != d.gnuplot) add("--gnuplot", gnuplot);
  return a;
}

void ReproduceOptions::check() const {
  const Preset& p = find_preset(preset);
  MP_CHECK(dropout >= 0 && dropout < 1 && std::isfinite(dropout),
           "--dropout must be in [0, 1), got " << dropout);
  MP_CHECK(dropout == 0 || p.base.model == "cnn" || p.base.model == "resnet18",
           "--dropout: preset " << p.name << " trains the " << p.base.model
                                << ", which has no dropout variant (the reference's has none); "
                                   "use a preset of the cnn or resnet18");
}

fs::path ReproduceOptions::out_dir() const {
  if (!out.empty()) return out;
  const std::string name = find_preset(preset).name;
  // runs/, not results/: the repository commits its own result bundles under results/<preset>,
  // and a study run from the repository root must not land in (and reuse) those.
  return fs::path("runs") / (dropout != 0 ? name + "-" + dropout_tag(dropout) : name);
}

bool ReproduceOptions::operator==(const ReproduceOptions& o) const {
  return preset == o.preset && out == o.out && levels == o.levels && seeds == o.seeds &&
         label_seed == o.label_seed && data_dir == o.data_dir && max_epochs == o.max_epochs &&
         train_subset == o.train_subset && test_subset == o.test_subset && dropout == o.dropout &&
         probe == o.probe && dynamics == o.dynamics && train_only == o.train_only &&
         gnuplot == o.gnuplot;
}

void add_reproduce_options(CLI::App* cmd, ReproduceOptions& o) {
  cmd->add_option("--out", o.out,
                  "Output directory (default: runs/<preset>, or runs/<preset>-dropout<rate> with "
                  "--dropout; results/ holds the repository's committed results)");
  cmd->add_option("--levels", o.levels,
                  "Corruption levels, comma separated (default: the preset's)")
      ->delimiter(',')
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seeds", o.seeds,
                  "Seeds of the initial weights, comma separated (default 42); several seeds give "
                  "mean ± sd. Every run corrupts its labels with the same --label-seed")
      ->delimiter(',');
  cmd->add_option("--label-seed", o.label_seed,
                  "Seed of the label corruption (default 42, as in every run of the reference)")
      ->check(CLI::Range(int64_t{0}, int64_t{4294967295}));
  cmd->add_option("--data-dir", o.data_dir, "Dataset directory");
  cmd->add_option("--max-epochs", o.max_epochs,
                  "Override the preset's epoch cap (a higher cap continues the runs that "
                  "stopped at the old one)");
  cmd->add_option("--train-subset", o.train_subset,
                  "Override the preset's training subset (0 = all)");
  cmd->add_option("--test-subset", o.test_subset, "Evaluate on the first N test images (0 = all)");
  cmd->add_option("--dropout", o.dropout,
                  "Train the dropout variant at this rate, in [0, 1) (the CNN and ResNet-18 "
                  "presets; docs/method.md §4). Its runs are named ...-dropout<rate>");
  add_probe_flags(cmd, o.probe, true, true);
  cmd->add_flag("!--no-dynamics", o.dynamics, "Skip the training-dynamics step");
  cmd->add_flag("--train-only", o.train_only,
                "Train every (level, seed) and stop: no probes, transfer, dynamics or report. "
                "Rerun without it to analyse the finished runs (they are reused, not retrained)");
  cmd->add_option("--gnuplot", o.gnuplot, "auto | none | path to gnuplot");
}

ReportResult reproduce(const ReproduceOptions& opt, std::ostream& log) {
  const Preset& preset = find_preset(opt.preset);
  opt.check();
  const fs::path out = opt.out_dir();
  const std::vector<double> levels = opt.levels.empty() ? preset.levels : opt.levels;
  MP_CHECK(!opt.seeds.empty(), "--seeds: at least one seed");
  const probes::ProbeSpec spec = make_spec(opt.probe);
  probes::ProbeSpec dyn_spec = spec;  // dynamics: MASC (corrupted) + the linear probe, per layer
  dyn_spec.probes.clear();
  for (const auto& p : spec.probes)
    if (p == "masc" || p == "linear") dyn_spec.probes.push_back(p);
  dyn_spec.masc_subspaces = {"corrupted"};

  log << "reproduce " << preset.name << ": " << preset.description << "\n"
      << "  levels";
  for (double l : levels) log << " " << l;
  log << ", seeds";
  for (uint32_t s : opt.seeds) log << " " << s;
  log << "; output " << out.string() << "\n";

  // An edit preset trains one run per peak epoch at each level; 0 = an ordinary run.
  const std::vector<int> peaks =
      preset.edit_peaks.empty() ? std::vector<int>{0} : preset.edit_peaks;
  const size_t total = levels.size() * opt.seeds.size() * peaks.size();
  size_t index = 0;
  Timer clock;
  for (uint32_t seed : opt.seeds) {
    for (double level : levels) {
      for (int peak : peaks) {
        ++index;
        TrainConfig cfg = peak ? edit_peak_config(preset.base, peak) : preset.base;
        cfg.corrupt = level;
        cfg.seed = seed;  // the initial weights; the labels keep the label seed (METHOD §4)
        if (opt.label_seed >= 0) cfg.label_seed = static_cast<uint32_t>(opt.label_seed);
        if (!opt.data_dir.empty()) cfg.data_dir = opt.data_dir;
        if (opt.max_epochs >= 0) cfg.max_epochs = opt.max_epochs;
        // An edit run ends at its end epoch; --max-epochs shortens it (an edit run must still
        // train after its edit, which resolve_defaults checks).
        if (peak && opt.max_epochs >= 0) cfg.end_epoch = std::min(cfg.end_epoch, opt.max_epochs);
        if (opt.train_subset >= 0) cfg.train_subset = opt.train_subset;
        if (opt.test_subset >= 0) cfg.test_subset = opt.test_subset;
        if (opt.dropout != 0) cfg.dropout = opt.dropout;
        cfg.resolve_defaults();
        const fs::path dir = out / "runs" / run_name(cfg);
        log << "\n[" << index << "/" << total << "] " << run_name(cfg) << " (elapsed "
            << format_duration(clock.seconds()) << ")\n";

        TrainOptions topt;
        topt.resume = true;  // an interrupted reproduce continues where it stopped
        topt.command = opt.command;
        topt.start_over = "remove " + dir.string() + " to start it over";
        TrainOutcome t = train_run(cfg, dir, topt, log);
        // Training is most of a full-size study's cost; --train-only lets every level train first
        // (overnight, on a cluster) and the analysis follow with the same command later.
        if (opt.train_only) continue;

        // A result bundle (the repository's results/, scripts/bundle-results.sh) keeps a run's
        // result files but not its checkpoints: say so, rather than fail on the first probe.
        MP_CHECK(!RunDir::open(dir).checkpoint_epochs().empty(),
                 dir.string() << ": a finished run without checkpoints (a result bundle keeps "
                                 "only the result files), so there is nothing to probe; run the "
                                 "study into another directory with --out, or re-read these "
                                 "files with `memprobe report --runs "
                              << out.string() << "`");
        OpenedRun r = open_run(dir, "last");
        r.dir.lock_analysis("analyse");  // before deciding what is left to do
        // An edit run's results are its training curves (and the probes over its checkpoints).
        if (peak) {
          if (opt.dynamics && !dyn_spec.probes.empty())
            run_dynamics(r, resolve_layers(*r.model, opt.probe.layers), dyn_spec, log);
          continue;
        }
        if (!has_epoch_rows(read_probes_csv(r.dir.probes_csv()), r.epoch)) {
          log << "probing every layer of epoch " << r.epoch << "\n";
          run_probes(r, resolve_layers(*r.model, opt.probe.layers), spec, log);
        }
        if (!has_epoch_rows(read_transfer_csv(r.dir.transfer_csv()), r.epoch)) {
          run_transfer(r, true, "", log);
          r.load_checkpoint(r.epoch);  // undo the edit in memory
        }
        if (opt.dynamics && !dyn_spec.probes.empty()) {
          log << "training dynamics over " << r.dir.checkpoint_epochs().size() << " checkpoints\n";
          run_dynamics(r, resolve_layers(*r.model, opt.probe.layers), dyn_spec, log);
        }
        (void)t;
      }
    }
  }
  if (opt.train_only) {
    log << "\n--train-only: every run is trained; the same command without it probes them and "
           "writes the report\n";
    return ReportResult{};
  }
  ReportOptions ro;
  ro.runs = {out};
  ro.out = out;
  ro.gnuplot = opt.gnuplot;
  log << "\nwriting the report\n";
  return write_report(ro, log);
}

}  // namespace mp::app
