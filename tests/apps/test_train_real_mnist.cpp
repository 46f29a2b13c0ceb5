// Training on real MNIST: the MLP learns (clean labels), memorises (random labels), its
// checkpoints round-trip bit for bit and their safetensors header is what an independent reader
// (nlohmann, byte arithmetic only) expects; a finished run is not retrained.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/run/run_model.h"
#include "apps/run/trainer.h"
#include "apps/run/training_labels.h"
#include "nn/checkpoint.h"
#include "tensor/check.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("train: an MLP on 5,000 real MNIST images with clean labels passes 85 % test accuracy",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.corrupt = 0.0;
  c.train_subset = 5000;
  c.test_subset = 1000;
  // Adam lr 1e-4, batch 32: test accuracy 82.2, 85.3, 88.3, 89.0 % after epochs 1-4 (measured).
  // The paper's SGD lr 1e-3 is tuned for runs of hundreds of epochs: ~35 % after 2 epochs here;
  // SGD lr 1e-2 oscillates (75.9 % after 2).
  c.optimizer = "adam";
  c.lr = 1e-4;
  c.max_epochs = 4;
  c.checkpoints = "none";
  std::ostringstream log;
  const TrainOutcome o = train_run(c, tmp / "run", {}, log);
  INFO(log.str());
  CHECK(o.final_epoch == 4);
  CHECK(o.stop_reason == "epoch cap");
  CHECK(o.last.test_acc > 0.85);
  // Clean labels: both training accuracies are the same number.
  CHECK(o.last.train_acc_true == o.last.train_acc_corrupted);
}

TEST_CASE("train: random labels on 100 real MNIST images are memorised (100 % vs corrupted)",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.corrupt = 1.0;
  c.train_subset = 100;
  c.test_subset = 500;
  // Adam lr 1e-3, batch 32 memorises 100 random labels by epoch 40-48 (measured; SGD lr 1e-2
  // with batch 32 needed 83 and the paper's SGD lr 1e-3 far more): the cap of 100 leaves a 2x
  // margin.
  c.optimizer = "adam";
  c.lr = 1e-3;
  c.max_epochs = 100;
  c.checkpoints = "none";
  // 100 % of the corrupted labels as the final weights classify them: the run stops on the
  // evaluation pass. The default running count can reach 100 % while that pass still misses a
  // few rows (docs/method.md, "When training stops": measured here 99 % under OpenBLAS's Prescott
  // kernels and 96 % once the input gradient moved to memprobe's own kernel), so how much it
  // misses depends on rounding; stopping on the evaluation pass makes 100 % the stop itself.
  // (tests/apps/test_train_stop_rule.cpp covers the running rule.)
  c.stop_on = "eval";
  std::ostringstream log;
  const TrainOutcome o = train_run(c, tmp / "run", {}, log);
  INFO(log.str());
  CHECK(o.stop_reason == "target reached");
  CHECK(o.last.train_acc_corrupted == 1.0);
  CHECK(o.final_epoch < 100);
  // p = 1 redraws every label uniformly: about 1 in 10 still equals the true label, and the
  // memorised model knows nothing about the digits.
  CHECK(o.last.train_acc_true < 0.3);
  CHECK(o.last.test_acc < 0.3);
}

namespace {

// The expected tensors of the MNIST MLP checkpoint, PyTorch names and [out, in] weights.
const std::vector<std::pair<std::string, std::vector<int64_t>>> kMlpTensors = {
    {"fc1.weight", {128, 784}},   {"fc1.bias", {128}},
    {"fc2.weight", {512, 128}},   {"fc2.bias", {512}},
    {"fc3.weight", {2048, 512}},  {"fc3.bias", {2048}},
    {"fc4.weight", {2048, 2048}}, {"fc4.bias", {2048}},
    {"out.weight", {10, 2048}},   {"out.bias", {10}}};

}  // namespace

TEST_CASE("train: checkpoints round-trip bit for bit and an independent reader accepts them",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 1;
  std::ostringstream log;
  train_run(c, tmp / "run", {}, log);
  const fs::path file = tmp / "run" / "checkpoints" / "epoch_0001.safetensors";
  const std::vector<uint8_t> bytes = mp::testing::read_file(file);

  // Independent reader: 8-byte little-endian header length, JSON header, raw data.
  REQUIRE(bytes.size() > 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<size_t>(i)];
  REQUIRE(n % 8 == 0);  // the header is padded so the data starts 8-byte aligned
  REQUIRE(8 + n <= bytes.size());
  const nlohmann::json h =
      nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(n));
  REQUIRE(h.is_object());
  const nlohmann::json& meta = h.at("__metadata__");
  CHECK(meta.at("format") == "pt");
  CHECK(meta.at("memprobe.arch") == "mlp");
  CHECK(meta.at("memprobe.epoch") == "1");
  CHECK(meta.at("memprobe.input") == "1x28x28");
  CHECK(h.size() == kMlpTensors.size() + 1);
  const size_t data_start = 8 + n;
  uint64_t covered = 0;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, shape] : kMlpTensors) {
    INFO(name);
    REQUIRE(h.contains(name));
    const nlohmann::json& t = h.at(name);
    CHECK(t.at("dtype") == "F32");
    CHECK(t.at("shape").get<std::vector<int64_t>>() == shape);
    const auto off = t.at("data_offsets").get<std::vector<uint64_t>>();
    REQUIRE(off.size() == 2);
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    CHECK(off[1] - off[0] == static_cast<uint64_t>(numel) * 4);
    ranges.push_back({off[0], off[1]});
    covered += off[1] - off[0];
  }
  // The data section is exactly the tensors, without overlap or gaps.
  std::sort(ranges.begin(), ranges.end());
  CHECK(ranges.front().first == 0);
  for (size_t i = 1; i < ranges.size(); ++i) CHECK(ranges[i].first == ranges[i - 1].second);
  CHECK(data_start + covered == bytes.size());

  // Round trip: file -> model (the loader) -> file is the same bytes; and the values the loader
  // put in the model are the raw little-endian floats the independent reader sees.
  OpenedRun r = open_run(tmp / "run", "1");
  for (const auto& [name, p] : r.model->named_parameters()) {
    INFO(name);
    const auto off = h.at(name).at("data_offsets").get<std::vector<uint64_t>>();
    REQUIRE(static_cast<uint64_t>(p.data().numel()) * 4 == off[1] - off[0]);
    CHECK(std::memcmp(p.data().data(), bytes.data() + data_start + off[0], off[1] - off[0]) == 0);
  }
  const fs::path again = tmp / "again.safetensors";
  nn::save_model(again.string(), *r.model, nn::read_checkpoint_metadata(file.string()));
  CHECK(mp::testing::read_file(again) == bytes);
}

TEST_CASE("train: a finished run is not retrained by accident", "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 1;
  std::ostringstream log;
  const TrainOutcome first = train_run(c, tmp / "run", {}, log);
  CHECK_FALSE(first.reused);
  const fs::path ckpt = tmp / "run" / "checkpoints" / "epoch_0001.safetensors";
  const std::string sha = mp::testing::file_sha256(ckpt);
  const auto mtime = fs::last_write_time(ckpt);
  const std::string metrics = mp::testing::read_text(tmp / "run" / "metrics.csv");

  std::ostringstream log2;
  const TrainOutcome second = train_run(c, tmp / "run", {}, log2);
  CHECK(second.reused);
  CHECK(second.stop_reason == "already finished");
  CHECK(second.final_epoch == 1);
  CHECK(second.last.test_acc == first.last.test_acc);
  CHECK(log2.str().find("already finished") != std::string::npos);
  CHECK(mp::testing::file_sha256(ckpt) == sha);
  CHECK(fs::last_write_time(ckpt) == mtime);  // not even rewritten
  CHECK(mp::testing::read_text(tmp / "run" / "metrics.csv") == metrics);

  // Through the CLI: exit 0 and the same statement.
  std::vector<std::string> args = mp::testing::small_train_args(data_root);
  args[args.size() - 3] = "1";  // --max-epochs 1
  args.insert(args.end(), {"--out", (tmp / "run").string()});
  const mp::testing::CliResult cli = mp::testing::run_cli_capture(args);
  CHECK(cli.rc == 0);
  CHECK(cli.out.find("already finished") != std::string::npos);
  CHECK(fs::last_write_time(ckpt) == mtime);
}

TEST_CASE("data labels: its file holds a run's labels.csv rows for the same level and seed",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 1;
  c.checkpoints = "none";
  c.label_seed = 7;
  std::ostringstream log;
  train_run(c, tmp / "run", {}, log);
  const std::vector<LabelRow> run_rows = read_labels_csv(tmp / "run" / "labels.csv");
  REQUIRE(run_rows.size() == 300);  // the fixture's training subset

  const auto r = mp::testing::run_cli_capture({"data", "labels", "--dataset", "mnist", "--corrupt",
                                               "0.4", "--seed", "7", "--data-dir", data_root,
                                               "--out", (tmp / "labels.csv").string()});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  // The whole training set, written by labels.csv's owner: the run's rows are among them.
  const std::vector<LabelRow> all = read_labels_csv(tmp / "labels.csv");
  REQUIRE(all.size() == 60000);
  size_t changed = 0;
  for (const LabelRow& row : run_rows) {
    REQUIRE(row.index < static_cast<int64_t>(all.size()));
    CHECK(all[static_cast<size_t>(row.index)] == row);
    changed += row.true_label != row.corrupted_label;
  }
  CHECK(changed > 0);  // p = 0.4: the comparison covered corrupted rows, not only clean ones
}
