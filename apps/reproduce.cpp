#include "apps/reproduce.h"

#include <set>

#include "apps/analysis.h"
#include "apps/console.h"
#include "apps/metrics_log.h"
#include "apps/presets.h"
#include "apps/trainer.h"
#include "tensor/csv.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

// True when `csv` already holds rows for `epoch` (column "epoch"): that step is done.
bool has_epoch_rows(const fs::path& csv, int epoch, const std::string& probe_col_value = "") {
  std::error_code ec;
  if (!fs::exists(csv, ec)) return false;
  CsvTable t = read_csv(csv.string());
  for (size_t i = 0; i < t.rows.size(); ++i) {
    if (static_cast<int>(t.number(i, "epoch")) != epoch) continue;
    if (probe_col_value.empty() || t.at(i, "probe") == probe_col_value) return true;
  }
  return false;
}

}  // namespace

ReportResult reproduce(const ReproduceOptions& opt, std::ostream& log) {
  const Preset& preset = find_preset(opt.preset);
  const fs::path out = opt.out.empty() ? fs::path("results") / preset.name : opt.out;
  const std::vector<double> levels = opt.levels.empty() ? preset.levels : opt.levels;
  MP_CHECK(!opt.seeds.empty(), "--seeds: at least one seed");
  probes::ProbeSpec spec;
  {
    std::vector<std::string> p;
    std::string cur;
    for (char c : opt.probes + ",") {
      if (c == ',') {
        if (!cur.empty()) p.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    spec.probes = p;
    probes::check_probe_spec(spec);
  }
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

  const size_t total = levels.size() * opt.seeds.size();
  size_t index = 0;
  Timer clock;
  for (uint32_t seed : opt.seeds) {
    for (double level : levels) {
      ++index;
      TrainConfig cfg = preset.base;
      cfg.corrupt = level;
      cfg.seed = seed;  // the initial weights; the labels keep the label seed (METHOD §4)
      if (opt.label_seed >= 0) cfg.label_seed = static_cast<uint32_t>(opt.label_seed);
      if (!opt.data_dir.empty()) cfg.data_dir = opt.data_dir;
      if (opt.max_epochs >= 0) cfg.max_epochs = opt.max_epochs;
      if (opt.train_subset >= 0) cfg.train_subset = opt.train_subset;
      if (opt.test_subset >= 0) cfg.test_subset = opt.test_subset;
      cfg.resolve_defaults();
      const fs::path dir = out / "runs" / run_name(cfg);
      log << "\n[" << index << "/" << total << "] " << run_name(cfg) << " (elapsed "
          << format_duration(clock.seconds()) << ")\n";

      TrainOptions topt;
      topt.resume = true;  // an interrupted reproduce continues where it stopped
      topt.command = opt.command;
      TrainOutcome t = train_run(cfg, dir, topt, log);
      // Training is most of a full-size study's cost; --train-only lets every level train first
      // (overnight, on a cluster) and the analysis follow with the same command later.
      if (opt.train_only) continue;

      OpenedRun r = open_run(dir, "last");
      if (!has_epoch_rows(r.dir.probes_csv(), r.epoch)) {
        log << "probing every layer of epoch " << r.epoch << "\n";
        run_probes(r, resolve_layers(*r.model, opt.layers), spec, log);
      }
      if (!has_epoch_rows(r.dir.transfer_csv(), r.epoch)) {
        run_transfer(r, true, "", log);
        r.load_checkpoint(r.epoch);  // undo the edit in memory
      }
      if (opt.dynamics && !dyn_spec.probes.empty()) {
        log << "training dynamics over " << r.dir.checkpoint_epochs().size() << " checkpoints\n";
        run_dynamics(r, resolve_layers(*r.model, opt.layers), dyn_spec, log);
      }
      (void)t;
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
