// The MASC paper's relabel-and-retrain experiment and its clean-model control
// (docs/method.md §15-§16) on two small real-MNIST runs: the labels are the chosen layer's MASC
// predictions, the test split is disjoint and complete, early stopping keeps the best epoch,
// two runs agree byte for byte, the control equals MASC fitted here directly, and bad inputs
// give one clear error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "apps/run/run_model.h"
#include "apps/run/trainer.h"
#include "apps/study/clean_control.h"
#include "apps/study/relabel.h"
#include "data/subset.h"
#include "nn/checkpoint.h"
#include "probes/label_file.h"
#include "probes/layer_probes.h"
#include "probes/model_eval.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"
#include "tensor/rng.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// A small finished run (MLP, 300 training and 500 test images of MNIST, one thread).
fs::path train_small(const TempDir& tmp, const std::string& name, const std::string& data_root,
                     double corrupt, int64_t train_subset = 300) {
  TrainConfig c = mp::testing::small_config(data_root);
  c.corrupt = corrupt;
  c.train_subset = train_subset;
  c.threads = 1;
  std::ostringstream log;
  train_run(c, tmp / name, {}, log);
  return tmp / name;
}

mp::testing::CliResult cli(const std::vector<std::string>& args) {
  std::vector<std::string> a = {"--threads", "1"};
  a.insert(a.end(), args.begin(), args.end());
  return mp::testing::run_cli_capture(a);
}

// What MASC (tau 0.99, corrupted-label subspaces) predicts at `layer` of the run's last
// checkpoint, on the training rows and on the test rows, fitted here with the given labels.
std::pair<std::vector<int32_t>, std::vector<int32_t>> masc_here(OpenedRun& r,
                                                                const std::string& layer,
                                                                const std::vector<int32_t>& y) {
  const data::Normalization norm;
  auto tr = probes::collect_activations(*r.model, r.data.train, norm, {layer});
  auto te = probes::collect_activations(*r.model, r.data.test, norm, {layer});
  const probes::Matrix& X = tr.at(layer);
  const probes::Matrix& T = te.at(layer);
  const probes::MascProbe p =
      probes::fit_masc(X.data.data(), X.rows, X.cols, y.data(), r.data.num_classes());
  return {probes::predict_masc(p, X.data.data(), X.rows),
          probes::predict_masc(p, T.data.data(), T.rows)};
}

double acc_on(const std::vector<int32_t>& pred, const std::vector<int32_t>& y,
              const std::vector<int64_t>& rows) {
  int64_t hit = 0;
  for (int64_t i : rows) hit += pred[static_cast<size_t>(i)] == y[static_cast<size_t>(i)];
  return static_cast<double>(hit) / static_cast<double>(rows.size());
}

}  // namespace

TEST_CASE("relabel: the held-out and evaluation parts split the test set as the reference does",
          "[apps][relabel]") {
  const TestSplit s = split_test_set(500, 0.2, 2345);
  CHECK(s.heldout.size() == 100);  // ceil(0.2 * 500)
  CHECK(s.eval.size() == 400);
  std::set<int64_t> all(s.heldout.begin(), s.heldout.end());
  for (int64_t i : s.eval) CHECK(all.insert(i).second);  // disjoint
  CHECK(all.size() == 500);                              // and covering 0..499
  CHECK(*all.begin() == 0);
  CHECK(*all.rbegin() == 499);
  // The held-out part is the head of the numpy-legacy permutation (scikit-learn's ShuffleSplit).
  const std::vector<int64_t> perm = Rng(2345).permutation(500);
  CHECK(std::equal(s.heldout.begin(), s.heldout.end(), perm.begin()));
  CHECK(split_test_set(501, 0.2, 2345).heldout.size() == 101);  // ceil, not round
  CHECK(split_test_set(500, 0.2, 7).heldout != s.heldout);
  CHECK_THROWS_WITH(split_test_set(500, 1.0, 1), Catch::Contains("--heldout"));
}

TEST_CASE("relabel: on the 10,000 MNIST/CIFAR test rows the split is numpy's, element for element",
          "[apps][relabel]") {
  // Golden values from Debian's numpy 1.24.2, which is what scikit-learn's
  // train_test_split(test_size=0.2, random_state=2345) draws (ShuffleSplit: test = the first
  // ceil(0.2 n) of RandomState(2345).permutation(n)):
  //   p = np.random.RandomState(2345).permutation(10000)
  //   p[:8], p[1995:2005], p[-5:], (p * np.arange(10000)).sum() % 1000000007
  const TestSplit s = split_test_set(10000, 0.2, 2345);
  REQUIRE(s.heldout.size() == 2000);
  REQUIRE(s.eval.size() == 8000);
  std::vector<int64_t> p = s.heldout;
  p.insert(p.end(), s.eval.begin(), s.eval.end());
  CHECK(std::vector<int64_t>(p.begin(), p.begin() + 8) ==
        std::vector<int64_t>{3264, 9222, 969, 8354, 7565, 7503, 8769, 1608});
  CHECK(std::vector<int64_t>(p.begin() + 1995, p.begin() + 2005) ==
        std::vector<int64_t>{3456, 2221, 3028, 6284, 5902, 4910, 8542, 2152, 2612, 895});
  CHECK(std::vector<int64_t>(p.end() - 5, p.end()) ==
        std::vector<int64_t>{492, 4717, 9713, 1260, 9616});
  int64_t weighted = 0;  // every position, not only the ones spelt out
  for (int64_t i = 0; i < 10000; ++i) weighted = (weighted + p[i] * i) % 1000000007;
  CHECK(weighted == 614085670);
}

TEST_CASE("relabel: early stopping stops after patience epochs without improvement",
          "[apps][relabel]") {
  EarlyStopping s(2);
  const std::vector<double> acc = {0.5, 0.6, 0.6, 0.55, 0.9};
  int stopped_at = -1;
  for (int e = 1; e <= static_cast<int>(acc.size()); ++e) {
    s.update(e, acc[static_cast<size_t>(e - 1)]);
    if (s.should_stop()) {
      stopped_at = e;
      break;
    }
  }
  CHECK(stopped_at == 4);  // epochs 3 and 4 did not beat 0.6 (equal is no improvement)
  CHECK(s.best_epoch() == 2);
  CHECK(s.best() == 0.6);
  EarlyStopping first(1);
  CHECK(first.update(1, 0.0));  // the first epoch always counts as the best so far
}

TEST_CASE("relabel: labels are the chosen layer's MASC, the best epoch is kept, runs repeat",
          "[apps][relabel][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  const fs::path run = train_small(tmp, "noisy", data_root, 0.4);
  const auto res = cli({"relabel", "--run", run.string(), "--max-epochs", "5", "--patience", "2"});
  INFO(res.err);
  REQUIRE(res.rc == 0);
  const fs::path out = run / kRelabelDir;
  for (const char* f : {kRelabelLabels, kRelabelModel, kRelabelManifest, kRelabelSummary,
                        "metrics.csv", "layers.csv", "split.csv"})
    CHECK(fs::exists(out / f));
  CHECK(!fs::exists(run / "relabel.tmp"));

  // The split: every test row exactly once.
  const CsvTable split = read_csv((out / "split.csv").string());
  std::vector<int64_t> held, eval;
  for (size_t i = 0; i < split.rows.size(); ++i)
    (split.at(i, "part") == "heldout" ? held : eval)
        .push_back(std::stoll(split.at(i, "test_index")));
  CHECK(held.size() == 100);
  std::set<int64_t> rows(held.begin(), held.end());
  for (int64_t i : eval) CHECK(rows.insert(i).second);
  CHECK(rows.size() == 500);

  // The chosen layer has the best held-out MASC accuracy (first on ties), recomputed here, and
  // the labels are that layer's MASC predictions on the training rows.
  OpenedRun r = open_run(run);
  const CsvTable layers = read_csv((out / "layers.csv").string());
  std::string chosen;
  double best = -1;
  for (size_t i = 0; i < layers.rows.size(); ++i) {
    const std::string layer = layers.at(i, "layer");
    const auto [train_pred, test_pred] = masc_here(r, layer, r.data.train_corrupt);
    const double h = acc_on(test_pred, r.data.test.labels, held);
    CHECK(layers.number(i, "heldout_acc") == h);
    CHECK(layers.number(i, "eval_acc") == acc_on(test_pred, r.data.test.labels, eval));
    if (h > best) {
      best = h;
      chosen = layer;
    }
  }
  for (size_t i = 0; i < layers.rows.size(); ++i)
    CHECK((layers.at(i, "chosen") == "1") == (layers.at(i, "layer") == chosen));
  const std::vector<int32_t> labels = probes::load_label_file((out / kRelabelLabels).string());
  CHECK(labels == masc_here(r, chosen, r.data.train_corrupt).first);
  const auto summary = nlohmann::json::parse(read_file_text((out / kRelabelSummary).string()));
  CHECK(summary.at("layer") == chosen);

  // Early stopping: training ran to the cap or stopped `patience` epochs after the best one,
  // whose evaluation accuracy is the one reported and whose weights are the saved model.
  const CsvTable m = read_csv((out / "metrics.csv").string());
  REQUIRE(!m.rows.empty());
  int best_epoch = 0;
  double best_held = -1;
  for (size_t i = 0; i < m.rows.size(); ++i)
    if (m.number(i, "heldout_acc") > best_held) {
      best_held = m.number(i, "heldout_acc");
      best_epoch = static_cast<int>(i) + 1;
    }
  const int trained = static_cast<int>(m.rows.size());
  CHECK(summary.at("best_epoch") == best_epoch);
  if (summary.at("stop_reason") == "early stop")
    CHECK(trained == best_epoch + 2);
  else
    CHECK(trained == 5);
  CHECK(summary.at("retrained_eval_acc").get<double>() ==
        m.number(static_cast<size_t>(best_epoch - 1), "eval_acc"));
  auto saved = nn::make_model(r.config.model, r.data.train.c, r.data.train.h, r.data.train.w,
                              r.data.num_classes(), 1);
  nn::load_model((out / kRelabelModel).string(), *saved);
  const data::ImageSet eval_set = data::take(r.data.test, eval);
  CHECK(probes::accuracy(probes::evaluate_model(*saved, eval_set, {}).predictions,
                         eval_set.labels) == summary.at("retrained_eval_acc").get<double>());
  // The run's own model and MASC on the same 80 %.
  CHECK(summary.at("model_eval_acc").get<double>() ==
        acc_on(probes::evaluate_model(*r.model, r.data.test, {}).predictions, r.data.test.labels,
               eval));

  // A second relabel elsewhere repeats the first byte for byte (timings aside).
  const auto again = cli({"relabel", "--run", run.string(), "--max-epochs", "5", "--patience", "2",
                          "--out", (tmp / "again").string()});
  REQUIRE(again.rc == 0);
  for (const char* f : {kRelabelLabels, kRelabelModel, "layers.csv", "split.csv"})
    CHECK(mp::testing::file_sha256(out / f) == mp::testing::file_sha256(tmp / "again" / f));
  const CsvTable m2 = read_csv((tmp / "again" / "metrics.csv").string());
  REQUIRE(m2.rows.size() == m.rows.size());
  for (size_t i = 0; i < m.rows.size(); ++i)
    for (const char* col : {"loss", "train_acc_relabels", "heldout_acc", "eval_acc", "improved"})
      CHECK(m2.at(i, col) == m.at(i, col));

  // Existing output: refused without --force, nothing touched; with --force replaced.
  const std::string sha = mp::testing::file_sha256(out / kRelabelLabels);
  const auto refused = cli({"relabel", "--run", run.string(), "--max-epochs", "1"});
  CHECK(refused.rc == 1);
  CHECK(mp::testing::one_error_line(refused.err));
  CHECK(refused.err.find("--force") != std::string::npos);
  CHECK(mp::testing::file_sha256(out / kRelabelLabels) == sha);
  for (const auto& e : fs::directory_iterator(run))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("relabel: a run that is not finished is one clear error", "[apps][relabel][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  const fs::path run = train_small(tmp, "noisy", data_root, 0.4);
  auto j = nlohmann::json::parse(read_file_text((run / "manifest.json").string()));
  j["status"] = "interrupted";
  write_file_atomic((run / "manifest.json").string(), j.dump(2));
  const auto res = cli({"relabel", "--run", run.string()});
  CHECK(res.rc == 1);
  CHECK(mp::testing::one_error_line(res.err));
  CHECK(res.err.find("not trained to the end") != std::string::npos);
  CHECK(!fs::exists(run / kRelabelDir));
}

TEST_CASE("clean-control: MASC with the noisy labels on the clean model, and bad pairs refused",
          "[apps][relabel][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  const fs::path noisy = train_small(tmp, "noisy", data_root, 0.4);
  const fs::path clean = train_small(tmp, "clean", data_root, 0.0);
  const auto res = cli({"clean-control", "--run", noisy.string(), "--clean", clean.string()});
  INFO(res.err);
  REQUIRE(res.rc == 0);
  const std::vector<CleanControlRow> rows = read_clean_control_csv(noisy / "clean_control.csv");
  OpenedRun c = open_run(clean);
  OpenedRun n = open_run(noisy);
  REQUIRE(rows.size() == c.model->layer_names().size());
  REQUIRE(n.data.train_corrupt != c.data.train_corrupt);  // the labels really come from noisy
  int best = 0;
  for (const CleanControlRow& row : rows) {
    INFO(row.layer);
    const auto [train_pred, test_pred] = masc_here(c, row.layer, n.data.train_corrupt);
    CHECK(row.clean_epoch == c.epoch);
    CHECK(row.test_acc == probes::accuracy(test_pred, c.data.test.labels));
    CHECK(row.train_acc_corrupted == probes::accuracy(train_pred, n.data.train_corrupt));
    CHECK(row.train_acc_true == probes::accuracy(train_pred, n.data.train_true));
    best += row.best;
  }
  CHECK(best == 1);

  // Bad pairs: the noisy run as the "clean" one, another training subset, a missing checkpoint.
  auto refused = [](const mp::testing::CliResult& r, const std::string& what) {
    INFO(r.err);
    CHECK(r.rc == 1);
    CHECK(mp::testing::one_error_line(r.err));
    CHECK(r.err.find(what) != std::string::npos);
  };
  refused(cli({"clean-control", "--run", noisy.string(), "--clean", noisy.string()}), "p = 0");
  const fs::path other = train_small(tmp, "other", data_root, 0.0, 200);
  refused(cli({"clean-control", "--run", noisy.string(), "--clean", other.string()}),
          "different images");
  fs::remove_all(clean / "checkpoints");
  refused(cli({"clean-control", "--run", noisy.string(), "--clean", clean.string()}), "checkpoint");
}

TEST_CASE("relabel: docs/formats.md lists the columns of its files in file order",
          "[apps][relabel]") {
  const std::vector<std::pair<std::string, const FileFormat*>> files = {
      {"relabel/metrics.csv", &relabel_metrics_format()},
      {"relabel/layers.csv", &relabel_layers_format()},
      {"relabel/split.csv", &relabel_split_format()},
      {"clean_control.csv", &clean_control_format()}};
  for (const auto& [heading, fmt] : files) {
    INFO(heading);
    CHECK(heading.substr(heading.rfind('/') + 1) == fmt->file);
    const std::vector<std::string> names = mp::testing::formats_doc_columns(heading);
    REQUIRE(!names.empty());
    CHECK(names == fmt->header());
  }
}
