// When training stops, as the reference decides it (docs/method.md, "When training stops"): the
// running accuracy is counted from each mini-batch's own forward pass before its optimizer step;
// the stop rule reads that count (or, with --stop-on eval, the pass after the epoch); the label
// seed is apart from the initialisation seed; only the newest optimizer state is kept.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "apps/run/metrics_log.h"
#include "apps/run/run_dir.h"
#include "apps/run/study_data.h"
#include "apps/run/trainer.h"
#include "apps/study/reproduce.h"
#include "autograd/ops.h"
#include "data/loader.h"
#include "nn/checkpoint.h"
#include "nn/models.h"
#include "nn/sgd.h"
#include "tensor/threads.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The first epoch >= 1 whose value of `pick` reaches t, or -1.
template <class F>
int first_epoch_reaching(const std::vector<EpochMetrics>& rows, double t, F pick) {
  for (const EpochMetrics& m : rows)
    if (m.epoch >= 1 && pick(m) >= t) return m.epoch;
  return -1;
}

}  // namespace

TEST_CASE("train: the running accuracy is each batch's forward pass counted before its step",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 2;
  c.checkpoints = "all";
  c.keep_optim = "all";
  c.lr = 0.01;  // weights move visibly within an epoch
  std::ostringstream log;
  train_run(c, tmp / "run", {}, log);
  const std::vector<EpochMetrics> rows = read_metrics_csv(tmp / "run" / "metrics.csv");
  REQUIRE(rows.size() == 3);
  CHECK(std::isnan(rows[0].train_acc_running));  // no batch was trained at epoch 0

  // Epoch 2 by hand, from the checkpoint and optimizer state of epoch 1: forward a batch, count
  // its argmax (ties -> lowest class) against the corrupted labels, then step; 300 images in
  // batches of 32 (the last one 12).
  c.resolve_defaults();
  const StudyData d = load_study_data(c);
  RunDir run = RunDir::open(tmp / "run");
  auto model = nn::make_model("mlp", d.train.c, d.train.h, d.train.w, d.num_classes(), c.seed);
  nn::load_model(run.checkpoint_path(1).string(), *model);
  nn::SGD opt(model->named_parameters(), c.lr, c.momentum);
  nn::load_optimizer(run.optim_path(1).string(), opt);
  model->train(true);
  data::Loader loader(d.train, d.train_true, d.train_corrupt, c.batch_size, false, c.seed);
  loader.start_epoch(2);
  data::Batch b;
  int64_t correct = 0, seen = 0, batches = 0;
  while (loader.next(b)) {
    opt.zero_grad();
    ag::Var logits = model->forward(ag::Var(b.x));
    const Tensor& z = logits.data();
    for (int64_t i = 0; i < b.size(); ++i) {
      int32_t best = 0;
      for (int32_t k = 1; k < 10; ++k)
        if (z.data()[i * 10 + k] > z.data()[i * 10 + best]) best = k;
      correct += best == b.y_train[static_cast<size_t>(i)];
    }
    ag::cross_entropy(logits, b.y_train).backward();
    opt.step();
    seen += b.size();
    ++batches;
  }
  REQUIRE(seen == 300);
  REQUIRE(batches == 10);
  CHECK(rows[2].train_acc_running == static_cast<double>(correct) / 300.0);
  // The hand-trained model is the run's epoch-2 checkpoint: the count above saw the same steps.
  auto saved = nn::make_model("mlp", d.train.c, d.train.h, d.train.w, d.num_classes(), c.seed);
  nn::load_model(run.checkpoint_path(2).string(), *saved);
  const auto a = model->named_parameters(), s = saved->named_parameters();
  REQUIRE(a.size() == s.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const Tensor &x = a[i].second.data(), &y = s[i].second.data();
    INFO(a[i].first);
    CHECK(mp::testing::arrays_equal(x.data(), static_cast<size_t>(x.numel()), y.data(),
                                    static_cast<size_t>(y.numel())));
  }
}

TEST_CASE(
    "train: the stop rule reads the running count by default, the after-epoch pass with "
    "stop-on eval",
    "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 8;
  c.lr = 0.01;
  c.checkpoints = "none";
  c.stop_on = "eval";  // every epoch gets both accuracies: the oracle for the two runs below
  std::ostringstream log;
  train_run(c, tmp / "all", {}, log);
  const std::vector<EpochMetrics> all = read_metrics_csv(tmp / "all" / "metrics.csv");
  REQUIRE(all.size() == 9);
  const auto running = [](const EpochMetrics& m) { return m.train_acc_running; };
  const auto eval = [](const EpochMetrics& m) { return m.train_acc_corrupted; };

  // A target that the two metrics first reach at different epochs (training is the same
  // arithmetic whatever the target: the rule only decides when to stop).
  double target = -1;
  int stop_running = -1, stop_eval = -1;
  for (const EpochMetrics& m : all) {
    for (double t : {m.train_acc_running, m.train_acc_corrupted}) {
      if (m.epoch == 0 || !(t > all[0].train_acc_corrupted)) continue;
      const int er = first_epoch_reaching(all, t, running), ee = first_epoch_reaching(all, t, eval);
      if (er > 0 && ee > 0 && er != ee) {
        target = t;
        stop_running = er;
        stop_eval = ee;
      }
    }
  }
  INFO(log.str());
  REQUIRE(target > 0);

  for (const std::string rule : {"running", "eval"}) {
    INFO("--stop-on " << rule << ", target " << target);
    TrainConfig r = c;
    r.stop_on = rule;
    r.target_train_acc = target;
    const TrainOutcome o = train_run(r, tmp / rule, {}, log);
    CHECK(o.stop_reason == "target reached");
    CHECK(o.final_epoch == (rule == "running" ? stop_running : stop_eval));
    const std::vector<EpochMetrics> rows = read_metrics_csv(tmp / rule / "metrics.csv");
    REQUIRE(rows.size() == static_cast<size_t>(o.final_epoch) + 1);
    for (const EpochMetrics& m : rows) {
      const double ref = all[static_cast<size_t>(m.epoch)].train_acc_running;
      CHECK(std::isnan(m.train_acc_running) == std::isnan(ref));
      if (!std::isnan(ref)) CHECK(m.train_acc_running == ref);
      // With the running rule the training-set pass runs at checkpoints only: epoch 0 and the
      // final epoch here (--checkpoints none); the test set every epoch.
      const bool measured = rule == "eval" || m.epoch == 0 || m.epoch == o.final_epoch;
      CHECK(std::isnan(m.train_acc_corrupted) == !measured);
      CHECK_FALSE(std::isnan(m.test_acc));
    }
  }
}

TEST_CASE("train: only the newest checkpoint keeps its optimizer state unless keep-optim all",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.checkpoints = "all";
  std::ostringstream log;
  train_run(c, tmp / "last", {}, log);
  RunDir last = RunDir::open(tmp / "last");
  REQUIRE(last.checkpoint_epochs() == std::vector<int>{0, 1, 2, 3});
  for (int e : {0, 1, 2}) CHECK_FALSE(fs::exists(last.optim_path(e)));
  CHECK(fs::exists(last.optim_path(3)));

  c.keep_optim = "all";
  train_run(c, tmp / "all", {}, log);
  RunDir all = RunDir::open(tmp / "all");
  for (int e : {0, 1, 2, 3}) CHECK(fs::exists(all.optim_path(e)));
  // Keeping them changes nothing else: the newest optimizer state and the model are the same.
  CHECK(mp::testing::file_sha256(all.optim_path(3)) ==
        mp::testing::file_sha256(last.optim_path(3)));
  CHECK(mp::testing::file_sha256(all.checkpoint_path(3)) ==
        mp::testing::file_sha256(last.checkpoint_path(3)));
}

TEST_CASE("reproduce: several seeds vary the initial weights, never the labels",
          "[apps][reproduce][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  ReproduceOptions o;
  o.preset = "quick";
  o.out = tmp / "study";
  o.levels = {0.8};
  o.seeds = {42, 43};
  o.data_dir = data_root;
  o.max_epochs = 0;
  o.train_only = true;
  std::ostringstream log;
  reproduce(o, log);
  const fs::path r42 = o.out / "runs" / "mnist-mlp-p0.80-s42";
  const fs::path r43 = o.out / "runs" / "mnist-mlp-p0.80-s43";
  INFO(log.str());
  CHECK(mp::testing::read_text(r42 / "labels.csv") == mp::testing::read_text(r43 / "labels.csv"));
  CHECK(mp::testing::file_sha256(r42 / "checkpoints" / "epoch_0000.safetensors") !=
        mp::testing::file_sha256(r43 / "checkpoints" / "epoch_0000.safetensors"));
  CHECK_FALSE(fs::exists(o.out / "summary.csv"));  // --train-only: no analysis, no report

  // A different label seed is a different draw (and the manifest records both seeds).
  o.out = tmp / "other";
  o.seeds = {42};
  o.label_seed = 7;
  reproduce(o, log);
  const fs::path r7 = o.out / "runs" / "mnist-mlp-p0.80-s42";
  CHECK(mp::testing::read_text(r7 / "labels.csv") != mp::testing::read_text(r42 / "labels.csv"));
  const Manifest m = RunDir::open(r7).read_manifest();
  CHECK(m.json().at("config").at("label_seed") == 7);
  CHECK(m.json().at("config").at("seed") == 42);
}

TEST_CASE(
    "train: resuming with another thread count warns that the run is no longer "
    "bit-identical",
    "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 1;
  c.train_subset = 100;
  std::ostringstream log;
  train_run(c, tmp / "run", {}, log);
  // As if the run had been stopped: the manifest says interrupted; resume it with 1 thread.
  RunDir d = RunDir::open(tmp / "run");
  Manifest m = d.read_manifest();
  m.json()["status"] = "interrupted";
  d.write_manifest(m);
  c.threads = 1;
  TrainOptions o;
  o.resume = true;
  std::ostringstream resumed;
  train_run(c, tmp / "run", o, resumed);
  set_num_threads(2);
  INFO(resumed.str());
  CHECK(resumed.str().find("warning: ") != std::string::npos);
  CHECK(resumed.str().find("thread") != std::string::npos);
  CHECK(resumed.str().find("not be bit-identical") != std::string::npos);
}
