// `memprobe probe | activations | transfer | dynamics`: the analysis commands on a run.
#include <memory>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "apps/run/probe_results.h"
#include "apps/study/analysis.h"
#include "apps/study/probe_flags.h"
#include "probes/model_eval.h"
#include "tensor/io/npy.h"

namespace mp::app {

namespace {

void add_probe(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "probe",
      "Fit MASC, the linear probe and the baselines on every layer of a checkpoint "
      "(corrupted labels) and report test / train accuracy; writes RUN/probes.csv");
  cmd->footer(kAnalysisLockHelp);
  auto run = std::make_shared<std::string>();
  auto ckpt = std::make_shared<std::string>("last");
  auto f = std::make_shared<ProbeFlags>();
  cmd->add_option("--run", *run, "Run directory")->required();
  cmd->add_option("--checkpoint", *ckpt, "last | an epoch number");
  add_probe_flags(cmd, *f, true);
  set_action(cmd, [run, ckpt, f](CommandContext& ctx) {
    print_header(ctx);
    probes::ProbeSpec spec = make_spec(*f);
    OpenedRun r = open_run(*run, *ckpt);
    auto res = run_probes(r, resolve_layers(*r.model, f->layers), spec, ctx.err);
    ctx.out << "epoch " << r.epoch << " of " << *run << " (accuracies in %; * = best layer)\n"
            << probe_results_table(res).to_text() << "written to " << r.dir.probes_csv().string()
            << "\n";
    return 0;
  });
}

void add_activations(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("activations",
                         "Write one layer's activations over a split as a float32 .npy [N, d] "
                         "(conv maps flattened C*H*W), for checking with numpy");
  auto run = std::make_shared<std::string>();
  auto ckpt = std::make_shared<std::string>("last");
  auto layer = std::make_shared<std::string>();
  auto split_name = std::make_shared<std::string>("train");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--run", *run, "Run directory")->required();
  cmd->add_option("--checkpoint", *ckpt, "last | an epoch number");
  cmd->add_option("--layer", *layer, "Layer name (e.g. fc4)")->required();
  cmd->add_option("--split", *split_name, "train | test")->check(CLI::IsMember({"train", "test"}));
  cmd->add_option("--out", *out, "Output .npy file")->required();
  set_action(cmd, [run, ckpt, layer, split_name, out](CommandContext& ctx) {
    print_header(ctx);
    OpenedRun r = open_run(*run, *ckpt);
    resolve_layers(*r.model, *layer);  // validates the name
    const data::ImageSet& set = *split_name == "train" ? r.data.train : r.data.test;
    // Streamed batch by batch into the .npy, so the whole matrix is never held twice.
    const int64_t d = probes::layer_widths(*r.model, set).at(*layer);
    NpyWriter w(*out, "<f4", {set.n, d});
    for (int64_t b = 0; b < set.n; b += probes::kInferenceBatch) {
      data::ImageSet part;
      const int64_t n = std::min(probes::kInferenceBatch, set.n - b);
      part.n = n;
      part.c = set.c;
      part.h = set.h;
      part.w = set.w;
      part.pixels.assign(set.image(b), set.image(b) + n * set.image_size());
      part.labels.assign(set.labels.begin() + b, set.labels.begin() + b + n);
      auto acts = probes::collect_activations(*r.model, part, {}, {*layer});
      w.append(acts.at(*layer).data.data(), n);
    }
    w.commit();
    ctx.out << "wrote " << *out << ": " << set.n << " x " << d << " float32 (" << *layer << ", "
            << *split_name << ", epoch " << r.epoch << ")\n";
    return 0;
  });
}

void add_transfer(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "transfer",
      "Write the linear probe of the last hidden layer into the output layer (no "
      "training), evaluate the edited model and save it as a checkpoint");
  cmd->footer(kAnalysisLockHelp);
  auto run = std::make_shared<std::string>();
  auto ckpt = std::make_shared<std::string>("last");
  auto bias = std::make_shared<std::string>("zero");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--run", *run, "Run directory")->required();
  cmd->add_option("--checkpoint", *ckpt, "last | an epoch number");
  cmd->add_option("--bias", *bias, "zero | keep: the output bias of the edited model")
      ->check(CLI::IsMember({"zero", "keep"}));
  cmd->add_option("--out", *out,
                  "Edited model file (default RUN/transfer/epoch_NNNN-bias_B.safetensors)");
  set_action(cmd, [run, ckpt, bias, out](CommandContext& ctx) {
    print_header(ctx);
    OpenedRun r = open_run(*run, *ckpt);
    TransferOutcome o = run_transfer(r, *bias == "zero", *out, ctx.err);
    Table t({"model", "test_acc", "train_acc_corrupted", "train_acc_true"});
    t.add_row({"edited (" + o.layer + ", bias " + o.bias + ")", format_percent(o.test_acc),
               format_percent(o.train_acc_corrupted), format_percent(o.train_acc_true)});
    ctx.out << "epoch " << o.epoch << ": unedited test " << format_percent(o.model_test_acc)
            << ", linear probe at " << o.layer << " test " << format_percent(o.probe_test_acc)
            << "\n"
            << t.to_text();
    if (o.prediction_mismatches >= 0)
      ctx.out << "edited model vs linear probe: " << o.prediction_mismatches
              << " differing predictions (train + test)\n";
    ctx.out << "edited model saved to " << o.checkpoint << " (memprobe eval --run " << *run
            << " --model-file " << o.checkpoint << ")\n";
    return 0;
  });
}

void add_dynamics(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "dynamics",
      "For every saved checkpoint: model accuracies, MASC and linear probe per layer, "
      "and the edited model; RUN/dynamics.csv (checkpoints already done are skipped)");
  cmd->footer(kAnalysisLockHelp);
  auto run = std::make_shared<std::string>();
  auto f = std::make_shared<ProbeFlags>();
  f->probes = "masc,linear";
  f->subspace = "corrupted";
  cmd->add_option("--run", *run, "Run directory")->required();
  add_probe_flags(cmd, *f, true);
  set_action(cmd, [run, f](CommandContext& ctx) {
    print_header(ctx);
    probes::ProbeSpec spec = make_spec(*f);
    OpenedRun r = open_run(*run, "last");
    const int n = run_dynamics(r, resolve_layers(*r.model, f->layers), spec, ctx.err);
    ctx.out << "dynamics: " << n << " checkpoint(s) computed; " << r.dir.dynamics_csv().string()
            << "\n";
    return 0;
  });
}

}  // namespace

void add_probe_commands(CLI::App& app) {
  add_probe(app);
  add_activations(app);
  add_transfer(app);
  add_dynamics(app);
}

}  // namespace mp::app
