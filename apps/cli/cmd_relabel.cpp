// `memprobe relabel` and `memprobe clean-control`: the MASC paper's relabel-and-retrain
// experiment and its clean-model control, on trained runs (docs/method.md §15-§16).
#include <memory>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "apps/study/analysis.h"
#include "apps/study/clean_control.h"
#include "apps/study/relabel.h"

namespace mp::app {

namespace {

void add_masc_rule_flags(CLI::App* cmd, probes::MascOptions& m) {
  cmd->add_option("--tau", m.tau,
                  "MASC component rule: keep the components explaining this fraction of each "
                  "class's variance")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--k", m.fixed_k,
                  "MASC: keep exactly k components per class instead (0 = use --tau)")
      ->check(CLI::NonNegativeNumber);
}

void add_relabel(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "relabel",
      "Relabel the training set with the best layer's MASC predictions (best on a held-out 20 % "
      "of the test set), retrain on those labels with early stopping on that 20 %, and report "
      "test accuracy on the other 80 %; writes RUN/relabel/");
  auto run = std::make_shared<std::string>();
  auto ckpt = std::make_shared<std::string>("last");
  auto o = std::make_shared<RelabelOptions>();
  cmd->add_option("--run", *run, "Run directory of a finished training run")->required();
  cmd->add_option("--checkpoint", *ckpt, "last | an epoch number: the model MASC is fitted on");
  cmd->add_option("--patience", o->patience,
                  "Early stopping: stop after this many epochs in a row without a higher held-out "
                  "accuracy (the reference uses 3)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-epochs", o->max_epochs,
                  "At most this many retraining epochs (the reference uses 30)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--heldout", o->heldout_fraction,
                  "Fraction of the test set held out to choose the layer and stop early; the rest "
                  "scores the retrained model");
  cmd->add_option("--split-seed", o->split_seed,
                  "Seed of the test-set split (the reference's random_state; the split follows "
                  "scikit-learn's train_test_split, not stratified)");
  cmd->add_option("--init", o->init,
                  "checkpoint: retrain starting from the run's trained weights with a fresh "
                  "optimizer (as the reference does); fresh: from newly initialised weights "
                  "(the run's seed)")
      ->check(CLI::IsMember({"checkpoint", "fresh"}));
  cmd->add_option("--subspace", o->subspace,
                  "Labels the MASC subspaces are built from: corrupted (the experiment) or true "
                  "(the reference's oracle variant)")
      ->check(CLI::IsMember({"corrupted", "true"}));
  cmd->add_option("--layers", o->layers, "Candidate layers: all, or a comma list");
  add_masc_rule_flags(cmd, o->masc);
  cmd->add_option("--out", o->out, "Output folder (default RUN/relabel)");
  cmd->add_flag("--force", o->force, "Replace an existing output folder");
  set_action(cmd, [run, ckpt, o](CommandContext& ctx) {
    print_header(ctx);
    OpenedRun r = open_run(*run, *ckpt);
    RelabelOptions opt = *o;
    opt.command = ctx.command_line;
    const RelabelOutcome res = run_relabel(r, opt, ctx.err);
    Table t({"on the evaluation part (" + std::to_string(res.split.eval.size()) + " test images)",
             "test_acc"});
    t.add_row({"the run's model (epoch " + std::to_string(res.source_epoch) + ")",
               format_percent(res.model_eval_acc)});
    t.add_row({"MASC at " + res.layer, format_percent(res.masc_eval_acc)});
    t.add_row({"retrained on the MASC labels (best epoch " + std::to_string(res.best_epoch) + ")",
               format_percent(res.retrained_eval_acc)});
    ctx.out << t.to_text() << "stopped: " << res.stop_reason << " after " << res.epochs.size()
            << " epoch(s); written to " << res.dir.string() << "\n";
    return 0;
  });
}

void add_clean_control(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "clean-control",
      "The clean-model control: MASC per layer fitted with a noisy run's corrupted labels on the "
      "activations of the model trained at p = 0; writes NOISY_RUN/clean_control.csv");
  cmd->footer(kAnalysisLockHelp);
  auto run = std::make_shared<std::string>();
  auto clean = std::make_shared<std::string>();
  auto ckpt = std::make_shared<std::string>("last");
  auto layers = std::make_shared<std::string>("all");
  auto masc = std::make_shared<probes::MascOptions>();
  cmd->add_option("--run", *run, "The noisy run: its corrupted labels, and where the CSV goes")
      ->required();
  cmd->add_option("--clean", *clean,
                  "The run trained at p = 0 on the same data and architecture (its activations)")
      ->required();
  cmd->add_option("--checkpoint", *ckpt, "last | an epoch number of the clean run");
  cmd->add_option("--layers", *layers, "Layers: all, or a comma list");
  add_masc_rule_flags(cmd, *masc);
  set_action(cmd, [run, clean, ckpt, layers, masc](CommandContext& ctx) {
    print_header(ctx);
    RunDir noisy_dir = RunDir::open(*run);
    // clean_control.csv is an analysis file of the noisy run: refused while another analysis
    // writes the run, and taken before any work so a refusal costs nothing.
    noisy_dir.lock_analysis("write the clean-model control");
    const Manifest nm = noisy_dir.read_manifest();
    MP_CHECK(nm.json().contains("config"), noisy_dir.manifest_path().string()
                                               << ": no 'config' (not a memprobe run manifest?)");
    TrainConfig ncfg = TrainConfig::from_json(nm.json().at("config"));
    ncfg.resolve_defaults();
    const StudyData noisy = load_study_data(ncfg);
    OpenedRun c = open_run(*clean, *ckpt);
    check_control_pair(c, ncfg, noisy, *run);
    auto rows = run_clean_control(c, noisy, resolve_layers(*c.model, *layers), *masc,
                                  noisy_dir.root(), ctx.err);
    Table t({"layer", "test_acc", "train_acc_corrupted", "train_acc_true"});
    for (const CleanControlRow& r : rows)
      t.add_row({r.layer + (r.best ? " *" : ""), format_percent(r.test_acc),
                 format_percent(r.train_acc_corrupted), format_percent(r.train_acc_true)});
    ctx.out << "MASC with the labels of " << *run << " (p = " << ncfg.corrupt
            << ") on the clean model " << *clean << " (epoch " << c.epoch
            << "; accuracies in %; * = best layer)\n"
            << t.to_text() << "written to "
            << (noisy_dir.root() / clean_control_format().file).string() << "\n";
    return 0;
  });
}

}  // namespace

void add_relabel_commands(CLI::App& app) {
  add_relabel(app);
  add_clean_control(app);
}

}  // namespace mp::app
