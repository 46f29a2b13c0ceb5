// --edit-mode reference: the reference's "edit during training" experiment (docs/method.md §12).
// The model of epoch E is edited (output layer := linear probe of the last hidden layer, bias
// zero), then trained with a fresh optimizer to a fixed end epoch, with no accuracy stop.
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/report/edit_runs.h"
#include "apps/report/report.h"
#include "apps/run/run_dir.h"
#include "apps/run/run_model.h"
#include "apps/run/train_config.h"
#include "apps/run/trainer.h"
#include "apps/run/transfer_results.h"
#include "nn/adam.h"
#include "nn/checkpoint.h"
#include "nn/models.h"
#include "nn/sgd.h"
#include "probes/linear_probe.h"
#include "probes/model_eval.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

TrainConfig reference_config(const std::string& data_root, int edit_at, int end) {
  TrainConfig c = mp::testing::small_config(data_root);
  c.threads = 1;
  c.edit_at_epoch = edit_at;
  c.edit_mode = "reference";
  c.end_epoch = end;
  c.max_epochs = 500;
  c.checkpoints = "all";
  return c;
}

std::string resolve_error(TrainConfig c) {
  try {
    c.resolve_defaults();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// The step count stored beside a checkpoint (the optimizer file of `epoch`).
int64_t stored_step_count(const RunDir& run, const TrainConfig& c, int epoch) {
  auto model = nn::make_model(c.model, 1, 28, 28, 10, c.seed);
  std::unique_ptr<nn::Optimizer> opt;
  if (c.optimizer == "adam")
    opt = std::make_unique<nn::Adam>(model->named_parameters(), 1e-3);
  else
    opt = std::make_unique<nn::SGD>(model->named_parameters(), 1e-3, 0.9);
  nn::load_optimizer(run.optim_path(epoch).string(), *opt);
  return opt->step_count();
}

void mark_interrupted_after(const fs::path& dir, int last_kept) {
  RunDir d = RunDir::open(dir);
  for (int e : d.checkpoint_epochs()) {
    if (e <= last_kept) continue;
    fs::remove(d.checkpoint_path(e));
    fs::remove(d.optim_path(e));
  }
  Manifest m = d.read_manifest();
  m.json()["status"] = "interrupted";
  d.write_manifest(m);
}

}  // namespace

TEST_CASE("edit-mode reference: the config keys, their defaults and every bad combination",
          "[apps][train]") {
  TrainConfig plain;
  plain.resolve_defaults();
  // Unset, the new keys are not written: older manifests compare and resume as before.
  for (const char* key : {"edit_mode", "end_epoch", "edit_batch_size"})
    CHECK_FALSE(plain.to_json().contains(key));
  CHECK(run_name(plain) == "mnist-mlp-p0.00-s42");

  TrainConfig ref;
  ref.edit_at_epoch = 10;
  ref.edit_mode = "reference";
  ref.resolve_defaults();
  CHECK(ref.end_epoch == 100);  // the reference trains to epoch 100
  const TrainConfig back = TrainConfig::from_json(ref.to_json());
  CHECK(back.edit_mode == "reference");
  CHECK(back.end_epoch == 100);
  CHECK(run_name(ref) == "mnist-mlp-p0.00-s42-edit10");
  CHECK(ref.batch_size_at_epoch(11) == ref.batch_size);
  ref.edit_batch_size = 1;
  CHECK(ref.batch_size_at_epoch(10) == ref.batch_size);  // the edit epoch itself is before it
  CHECK(ref.batch_size_at_epoch(11) == 1);
  CHECK(TrainConfig::from_json(ref.to_json()).edit_batch_size == 1);

  struct Bad {
    int edit_at, end, max_epochs;
    std::string mode;
    int64_t edit_batch;
    std::string expected;
  };
  const Bad bad[] = {
      {9, 9, 500, "reference", -1, "--end-epoch 9 must be after --edit-at-epoch 9"},
      {9, 5, 500, "reference", -1, "--end-epoch 5 must be after --edit-at-epoch 9"},
      {-1, 100, 500, "reference", -1, "--edit-mode reference needs --edit-at-epoch"},
      {9, 100, 500, "continue", -1, "--end-epoch needs --edit-mode reference"},
      {9, 100, 50, "reference", -1, "--max-epochs 50 is below --end-epoch 100"},
      {9, 100, 500, "reference", 0, "--edit-batch-size must be positive"},
      {-1, -1, 500, "continue", 8, "--edit-batch-size needs --edit-at-epoch"},
      {9, 100, 500, "later", -1, "unknown --edit-mode 'later'"},
  };
  for (const Bad& b : bad) {
    TrainConfig c;
    c.edit_at_epoch = b.edit_at;
    c.end_epoch = b.end;
    c.max_epochs = b.max_epochs;
    c.edit_mode = b.mode;
    c.edit_batch_size = b.edit_batch;
    INFO(b.expected);
    CHECK_THAT(resolve_error(c), Catch::Contains(b.expected));
  }
}

TEST_CASE("edit-mode reference: a bad combination on the command line is one clear error",
          "[apps][train]") {
  TempDir tmp;
  const auto r = mp::testing::run_cli_capture({"train", "--edit-at-epoch", "9", "--edit-mode",
                                               "reference", "--end-epoch", "9", "--threads", "1",
                                               "--out", (tmp / "run").string()});
  CHECK(r.rc != 0);
  CHECK(mp::testing::one_error_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("--end-epoch 9 must be after --edit-at-epoch 9"));
  CHECK_FALSE(fs::exists(tmp / "run" / "manifest.json"));
}

TEST_CASE(
    "edit-mode reference at epoch 0: the edited output layer is the initial model's linear "
    "probe, and training runs to the end epoch whatever the accuracy",
    "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  std::ostringstream log;
  TrainConfig c = reference_config(data_root, 0, 3);
  // A target the first epoch reaches: the ordinary rule would stop there, this mode must not.
  c.target_train_acc = 0.01;
  const TrainOutcome out = train_run(c, tmp / "ref", {}, log);
  CHECK(out.final_epoch == 3);
  CHECK(out.stop_reason == "end epoch");
  const std::vector<EpochMetrics> rows = read_metrics_csv(RunDir::open(tmp / "ref").metrics_csv());
  REQUIRE(rows.size() == 4);
  for (int e = 0; e <= 3; ++e) CHECK(rows[static_cast<size_t>(e)].epoch == e);
  // Every epoch after the edit has the training accuracy against both label arrays.
  for (int e = 1; e <= 3; ++e) {
    CHECK_FALSE(std::isnan(rows[static_cast<size_t>(e)].train_acc_true));
    CHECK_FALSE(std::isnan(rows[static_cast<size_t>(e)].train_acc_corrupted));
  }

  TrainConfig ordinary = c;
  ordinary.edit_mode = "continue";
  ordinary.end_epoch = -1;
  CHECK(train_run(ordinary, tmp / "ordinary", {}, log).final_epoch < 3);

  // The probe, fitted here from the initial model's (the checkpoint of epoch 0) last hidden
  // layer on the corrupted training labels, is exactly the edited model's output layer.
  OpenedRun r = open_run(tmp / "ref", "0");
  const std::string layer = r.model->last_hidden_layer();
  const std::vector<float> initial_w = r.model->output_layer().weight.data().to_vector();
  auto acts = probes::collect_activations(*r.model, r.data.train, {}, {layer});
  const probes::Matrix& X = acts.at(layer);
  const probes::LinearProbe probe = probes::fit_linear_probe(
      X.data.data(), X.rows, X.cols, r.data.train_corrupt.data(), r.data.num_classes());

  const std::vector<TransferRow> edits = read_transfer_csv(r.dir.transfer_csv());
  REQUIRE(edits.size() == 1);
  CHECK(edits[0].epoch == 0);
  CHECK(edits[0].bias == "zero");
  load_model_file(r, (r.dir.root() / edits[0].checkpoint).string());
  nn::Linear& outl = r.model->output_layer();
  const std::vector<float> w = outl.weight.data().to_vector();
  REQUIRE(w.size() == probe.W.size());
  size_t differing = 0;
  for (size_t i = 0; i < w.size(); ++i) differing += w[i] != static_cast<float>(probe.W[i]);
  CHECK(differing == 0);
  CHECK(w != initial_w);
  for (float b : outl.bias.data().to_vector()) CHECK(b == 0.0f);
  // Its recorded test accuracy is the edited model's.
  const auto te = probes::evaluate_model(*r.model, r.data.test, {});
  CHECK(edits[0].test_acc == probes::accuracy(te.predictions, r.data.test.labels));

  // The report keeps the edit run out of the summary (the ordinary run is its one row) and
  // shows it in its own section, with its curve from the edited model on.
  ReportOptions ro;
  ro.runs = {tmp / "ref", tmp / "ordinary"};
  ro.out = tmp / "report";
  ro.gnuplot = "none";
  const ReportResult rep = write_report(ro, log);
  CHECK(rep.loaded.runs.size() == 1);
  REQUIRE(rep.loaded.edit_runs.size() == 1);
  CHECK(rep.loaded.edit_runs[0].key.edit_at == 0);
  CHECK(rep.loaded.warnings.empty());
  const std::string md = mp::testing::read_text(tmp / "report" / "report.md");
  CHECK_THAT(md, Catch::Contains("## Edit during training"));
  const fs::path csv =
      tmp / "report" / "plots" / (edit_plot_name(rep.loaded.edit_runs[0]) + ".csv");
  const std::vector<std::string> lines = mp::testing::split_lines(mp::testing::read_text(csv));
  REQUIRE(lines.size() == 5);  // the header, the edited model at 0, epochs 1-3
  CHECK(lines[0] == "epoch,test_acc_edit0,train_acc_corrupted_edit0");
  CHECK(lines[1].rfind("0,", 0) == 0);
  CHECK(lines[4].rfind("3,", 0) == 0);
}

TEST_CASE(
    "edit-mode reference at epoch 9: the optimizer starts afresh after the edit, at the "
    "edit batch size",
    "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  std::ostringstream log;
  // 300 images: 10 steps an epoch at batch 32, 3 at batch 100.
  for (const std::string optimizer : {"sgd", "adam"}) {
    TrainConfig c = reference_config(data_root, 9, 11);
    c.optimizer = optimizer;
    c.keep_optim = "all";
    if (optimizer == "sgd") c.edit_batch_size = 100;
    train_run(c, tmp / optimizer, {}, log);
    c.resolve_defaults();
    const RunDir run = RunDir::open(tmp / optimizer);
    INFO(optimizer);
    const int64_t after = optimizer == "sgd" ? 3 : 10;
    CHECK(stored_step_count(run, c, 9) == 90);
    // SGD's momentum and Adam's moments and step count restart with the count.
    CHECK(stored_step_count(run, c, 10) == after);
    CHECK(stored_step_count(run, c, 11) == 2 * after);
  }
}

TEST_CASE(
    "edit-mode reference: a run resumed after the edit, or from the edit epoch itself, equals "
    "one that was never stopped",
    "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  std::ostringstream log;
  TrainConfig c = reference_config(data_root, 1, 4);
  c.keep_optim = "all";
  train_run(c, tmp / "whole", {}, log);
  const RunDir whole = RunDir::open(tmp / "whole");
  const std::string final_sha = mp::testing::file_sha256(whole.checkpoint_path(4));
  const std::vector<EpochMetrics> expected = read_metrics_csv(whole.metrics_csv());

  for (int kept : {1, 2}) {  // from the edit epoch (edited again) and from the epoch after it
    INFO("resumed from epoch " << kept);
    const fs::path dir = tmp / ("resumed" + std::to_string(kept));
    fs::copy(tmp / "whole", dir, fs::copy_options::recursive);
    mark_interrupted_after(dir, kept);
    TrainOptions o;
    o.resume = true;
    const TrainOutcome out = train_run(c, dir, o, log);
    CHECK(out.final_epoch == 4);
    const RunDir d = RunDir::open(dir);
    CHECK(mp::testing::file_sha256(d.checkpoint_path(4)) == final_sha);
    const std::vector<EpochMetrics> got = read_metrics_csv(d.metrics_csv());
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].test_acc == expected[i].test_acc);
      CHECK(got[i].loss == expected[i].loss);
      CHECK(got[i].train_acc_true == expected[i].train_acc_true);
    }
    CHECK(read_transfer_csv(d.transfer_csv()).size() == 1);
  }
}
