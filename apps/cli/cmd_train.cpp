// `memprobe train` and `memprobe eval`.
#include <fstream>
#include <memory>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "apps/run/manifest.h"
#include "apps/run/run_model.h"
#include "apps/run/trainer.h"
#include "probes/model_eval.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace {

// The options every command that trains shares (train; reproduce overrides some).
void add_training_options(CLI::App* cmd, TrainConfig& c) {
  cmd->add_option("--dataset", c.dataset,
                  "mnist | fashion-mnist | cifar10 | cifar100 | folder:PATH (Tiny ImageNet: "
                  "folder:PATH/tiny-imagenet-200, docs/data.md)");
  cmd->add_option("--model", c.model,
                  "mlp | cnn | resnet18 | alexnet (docs/method.md §4; alexnet takes its Tiny "
                  "ImageNet stem for inputs of at least 64x64)");
  cmd->add_option("--corrupt", c.corrupt,
                  "Corruption level p in [0, 1]: fraction of training labels redrawn");
  cmd->add_option("--corruption", c.corruption,
                  "random (the reference: redraw uniformly, may equal the true label) | shuffle "
                  "(permute the selected labels, class counts kept)");
  cmd->add_option("--seed", c.seed,
                  "Seed of the initial weights (and of the order with --shuffle)");
  cmd->add_option("--label-seed", c.label_seed,
                  "Seed of the label corruption and of a stratified subset (default 42, as in "
                  "every run of the reference, whose runs differ in their initial weights only)");
  cmd->add_option("--data-dir", c.data_dir,
                  "Dataset directory (default: $MEMPROBE_DATA or ~/.cache/memprobe/datasets)");
  cmd->add_option("--optimizer", c.optimizer, "sgd | adam (default: the paper's for the model)");
  // Unset numeric options keep the config's -1 ("use the paper's value"): an explicit value must
  // therefore be checked here, or --lr -1 would silently become the default.
  cmd->add_option("--lr", c.lr,
                  "Learning rate (default: the paper's: MLP/ResNet 1e-3, CNN 2e-4, AlexNet 1e-4)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--lr-steps", c.lr_steps,
                  "Step schedule EPOCH:LR[,EPOCH:LR...]: from that epoch on the learning rate is "
                  "LR (default: none, --lr throughout, as in the reference)");
  // Validated by TrainConfig::resolve_defaults (one error naming --dropout and the range).
  cmd->add_option("--dropout", c.dropout,
                  "Dropout rate in [0, 1) of the CNN's or ResNet-18's dropout variant, active in "
                  "training only (CNN: after fc1, fc2, fc3; ResNet-18: on the pooled vector; "
                  "docs/method.md §4). Default 0: no dropout layers, the paper's models");
  cmd->add_option("--momentum", c.momentum, "SGD momentum (default 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option(
         "--batch-size", c.batch_size,
         "Batch size (default: the paper's: 32, CNN on (Fashion-)MNIST 128, AlexNet 128 or 500 on "
         "a 200-class folder: (Tiny ImageNet))")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-epochs", c.max_epochs,
                  "Epoch cap (default 500). With --resume it may be raised: a run that stopped "
                  "at its cap trains on to the new one, bit-identical to a run started with it");
  cmd->add_option(
         "--target-train-acc", c.target_train_acc,
         "Stop when training accuracy on the corrupted labels reaches this fraction "
         "(default: 1.0; 0.999 MNIST CNN; 0.991 Fashion-MNIST; AlexNet 0.991, 0.999 on Tiny "
         "ImageNet)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option(
         "--stop-on", c.stop_on,
         "running (default, the reference's rule: the accuracy counted over the epoch's "
         "mini-batches as they are trained) | eval (a separate pass over the training set "
         "after every epoch); with running the training set is evaluated at checkpoints only")
      ->check(CLI::IsMember({"running", "eval"}));
  cmd->add_option("--keep-optim", c.keep_optim,
                  "last (default: optimizer state only beside the newest checkpoint, all --resume "
                  "needs) | all")
      ->check(CLI::IsMember({"last", "all"}));
  cmd->add_flag("--shuffle", c.shuffle,
                "Reshuffle the training set every epoch (the reference uses a fixed order)");
  cmd->add_option("--train-subset", c.train_subset, "Train on N images only (0 = all)");
  cmd->add_option("--subset-mode", c.subset_mode,
                  "first | stratified (class proportions kept, seeded)");
  cmd->add_option("--test-subset", c.test_subset,
                  "Evaluate on the first N test images only (0 = all)");
  cmd->add_option(
      "--checkpoints", c.checkpoints,
      "Checkpoint schedule: paper (0,1,2,4,...,20, then every 5) | all | none | 1,5,10; "
      "the final epoch is always saved");
  cmd->add_option("--edit-at-epoch", c.edit_at_epoch,
                  "Weight-edit the output layer with the linear probe at this epoch, then keep "
                  "training with a fresh optimizer (docs/method.md §12; -1 = never)");
  cmd->add_option("--edit-bias", c.edit_bias, "zero | keep: the output bias after an edit");
  cmd->add_option("--edit-mode", c.edit_mode,
                  "continue (default: after the edit, train to the stop rule or --max-epochs; no "
                  "edit if the rule fires first) | reference (the reference's experiment: no "
                  "accuracy stop, train to --end-epoch; the edited model is saved in transfer/)")
      ->check(CLI::IsMember({"continue", "reference"}));
  cmd->add_option("--end-epoch", c.end_epoch,
                  "With --edit-mode reference: the last epoch (default 100, as the reference)");
  cmd->add_option("--edit-batch-size", c.edit_batch_size,
                  "Batch size of the epochs after the edit (default: --batch-size; the reference "
                  "trains the edited model at batch size 1)");
}

void add_train(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "train",
      "Train a model on corrupted labels (paper settings by default), with checkpoints, "
      "metrics.csv and a manifest in the run directory; resumable");
  auto cfg = std::make_shared<TrainConfig>();
  auto out = std::make_shared<std::string>();
  auto opt = std::make_shared<TrainOptions>();
  add_training_options(cmd, *cfg);
  cmd->add_option("--out", *out,
                  "Run directory (default: runs/<dataset>-<model>-p<level>-s<seed>)");
  cmd->add_flag(
      "--resume", opt->resume,
      "Continue an interrupted run from its last checkpoint (or one that stopped at its epoch "
      "cap, given a higher --max-epochs)");
  cmd->add_flag("--force", opt->force, "Discard an existing run in --out and train again");
  set_action(cmd, [cfg, out, opt](CommandContext& ctx) {
    print_header(ctx);
    TrainConfig c = *cfg;
    c.resolve_defaults();
    const std::string dir = out->empty() ? "runs/" + run_name(c) : *out;
    TrainOptions o = *opt;
    o.command = ctx.command_line;
    TrainOutcome r = train_run(c, dir, o, ctx.err);
    ctx.out << "run " << dir << ": epoch " << r.final_epoch << " (" << r.stop_reason << "), test "
            << format_percent(r.last.test_acc) << ", train vs corrupted "
            << format_percent(r.last.train_acc_corrupted) << ", train vs true "
            << format_percent(r.last.train_acc_true) << "\n";
    return 0;
  });
}

void write_predictions(const std::string& path, const StudyData& d,
                       const std::vector<int32_t>& train_pred,
                       const std::vector<int32_t>& test_pred) {
  CsvWriter w(path, {"split", "index", "label", "predicted", "corrupted_label"});
  for (size_t i = 0; i < train_pred.size(); ++i)
    w.row({"train", std::to_string(d.train_index[i]), std::to_string(d.train_true[i]),
           std::to_string(train_pred[i]), std::to_string(d.train_corrupt[i])});
  for (size_t i = 0; i < test_pred.size(); ++i)
    w.row({"test", std::to_string(i), std::to_string(d.test.labels[i]),
           std::to_string(test_pred[i]), ""});
  w.close();
}

void add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval",
      "Evaluate a run's checkpoint: test accuracy, and training accuracy vs the corrupted "
      "and the true labels");
  auto run = std::make_shared<std::string>();
  auto ckpt = std::make_shared<std::string>("last");
  auto model_file = std::make_shared<std::string>();
  auto pred = std::make_shared<std::string>();
  cmd->add_option("--run", *run, "Run directory")->required();
  cmd->add_option("--checkpoint", *ckpt, "last | an epoch number");
  cmd->add_option(
      "--model-file", *model_file,
      "Evaluate this checkpoint file instead (e.g. an edited model from `memprobe transfer`)");
  cmd->add_option("--predictions", *pred,
                  "Write split,index,label,predicted,corrupted_label CSV here");
  set_action(cmd, [run, ckpt, model_file, pred](CommandContext& ctx) {
    print_header(ctx);
    OpenedRun r = open_run(*run, *ckpt);
    if (!model_file->empty()) load_model_file(r, *model_file);
    const data::Normalization norm;
    auto tr = probes::evaluate_model(*r.model, r.data.train, norm);
    auto te = probes::evaluate_model(*r.model, r.data.test, norm);
    Table t({"checkpoint", "test_acc", "train_acc_corrupted", "train_acc_true"});
    t.add_row({model_file->empty() ? "epoch " + std::to_string(r.epoch) : *model_file,
               format_percent(probes::accuracy(te.predictions, r.data.test.labels)),
               format_percent(probes::accuracy(tr.predictions, r.data.train_corrupt)),
               format_percent(probes::accuracy(tr.predictions, r.data.train_true))});
    ctx.out << t.to_text();
    if (!pred->empty()) {
      write_predictions(*pred, r.data, tr.predictions, te.predictions);
      ctx.out << "predictions written to " << *pred << "\n";
    }
    return 0;
  });
}

}  // namespace

void add_train_command(CLI::App& app) {
  add_train(app);
  add_eval(app);
}

}  // namespace mp::app
