// Bad input on the command line: every flag is validated, each problem gives a non-zero exit and
// exactly one error line naming it (after the run header, for commands that print one), and
// nothing is written. `--help` works on every command of the tree.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/run/manifest.h"
#include "apps/run/trainer.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::CliResult;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct Bad {
  std::vector<std::string> flags;
  std::string names;  // the error line must contain this
};

void expect_refused(const std::vector<std::string>& args, const std::string& names, int* tried) {
  const CliResult r = mp::testing::run_cli_capture(args);
  std::string cmd;
  for (const auto& a : args) cmd += a + " ";
  INFO("memprobe " << cmd << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.rc != 0);
  CHECK(mp::testing::one_error_line(r.err));
  const auto lines = mp::testing::error_lines(r.err);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains(names));
  ++*tried;
}

// All command paths of the tree ("train", "data fetch", ...).
void command_paths(CLI::App* app, const std::string& prefix, std::vector<std::string>& out) {
  for (CLI::App* sub : app->get_subcommands({})) {
    const std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    out.push_back(path);
    command_paths(sub, path, out);
  }
}

}  // namespace

TEST_CASE("cli validation: every bad training flag is one error line naming it, nothing written",
          "[apps][reliability]") {
  TempDir tmp;
  const std::vector<Bad> bad = {
      {{"--dataset", "imagenet"}, "unknown dataset 'imagenet'"},
      {{"--model", "vgg"}, "unknown model 'vgg'"},
      {{"--corrupt", "1.5"}, "--corrupt"},
      {{"--corrupt", "-0.1"}, "--corrupt"},
      {{"--corrupt", "nan"}, "--corrupt"},
      {{"--corruption", "flip"}, "flip"},
      {{"--batch-size", "0"}, "--batch-size"},
      {{"--batch-size", "-5"}, "--batch-size"},
      {{"--batch-size", "abc"}, "--batch-size"},
      {{"--lr", "0"}, "--lr"},
      {{"--lr", "-1"}, "--lr"},
      {{"--lr", "-0.5"}, "--lr"},
      {{"--lr", "inf"}, "--lr"},
      {{"--momentum", "1.5"}, "--momentum"},
      {{"--momentum", "-0.5"}, "--momentum"},
      {{"--optimizer", "rmsprop"}, "rmsprop"},
      {{"--max-epochs", "-1"}, "--max-epochs"},
      {{"--target-train-acc", "1.5"}, "--target-train-acc"},
      {{"--target-train-acc", "0"}, "--target-train-acc"},
      {{"--target-train-acc", "-2"}, "--target-train-acc"},
      {{"--checkpoints", "1,x"}, "--checkpoints"},
      {{"--checkpoints", "sometimes"}, "--checkpoints"},
      {{"--subset-mode", "random"}, "random"},
      {{"--train-subset", "-3"}, "--train-subset"},
      {{"--test-subset", "-3"}, "--test-subset"},
      {{"--edit-bias", "maybe"}, "maybe"},
      {{"--seed", "-1"}, "--seed"},
      {{"--seed", "4294967296"}, "--seed"},
      {{"--threads", "-2"}, "--threads"},
      {{"--no-such-flag"}, "--no-such-flag"},
  };
  int tried = 0;
  for (const Bad& b : bad) {
    std::vector<std::string> args = {"train", "--out", (tmp / "run").string(), "--max-epochs", "1"};
    args.insert(args.end(), b.flags.begin(), b.flags.end());
    expect_refused(args, b.names, &tried);
    CHECK_FALSE(fs::exists(tmp / "run"));  // refused before anything was created
  }
  // The other commands' own flags.
  expect_refused({"reproduce", "--preset", "imagenet-vit", "--out", (tmp / "res").string()},
                 "imagenet-vit", &tried);
  expect_refused({"data", "fetch", "imagenet"}, "imagenet", &tried);
  expect_refused({"data", "labels", "--corrupt", "2"}, "--corrupt", &tried);
  // `data convert` once wrote its positional and --to into strings that had gone with the
  // function that declared them (free(): invalid size on every call): it must get as far as
  // naming the missing PNG form.
  expect_refused(
      {"data", "convert", "cifar10", "--to", "binary", "--data-dir", (tmp / "empty-data").string()},
      "is missing", &tried);
  expect_refused({"data", "convert", "cifar100"}, "cifar100", &tried);
  std::cout << "bad training/CLI flags tried: " << tried << "\n";
}

TEST_CASE(
    "cli validation: a missing or empty run directory is named by every command that "
    "reads one",
    "[apps][reliability]") {
  TempDir tmp;
  const std::string missing = (tmp / "no-such-run").string();
  int tried = 0;
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"eval"},
        {"probe"},
        {"transfer"},
        {"dynamics"},
        {"relabel"},
        {"clean-control", "--clean", missing},
        {"audit"},
        {"activations", "--layer", "fc1", "--out", (tmp / "a.npy").string()}}) {
    std::vector<std::string> args = cmd;
    args.insert(args.end(), {"--run", missing});
    expect_refused(args, missing, &tried);
    // A directory without manifest.json is not a run either.
    args.back() = tmp.path().string();
    expect_refused(args, tmp.path().string(), &tried);
  }
  CHECK_FALSE(fs::exists(tmp / "a.npy"));
  std::cout << "missing-run cases tried: " << tried << "\n";
}

TEST_CASE("cli validation: --help works on every command", "[apps][reliability]") {
  CLI::App app;
  add_all_commands(app);
  std::vector<std::string> paths;
  command_paths(&app, "", paths);
  REQUIRE(paths.size() >= 12);
  for (const std::string& p : paths) {
    std::vector<std::string> args;
    std::istringstream is(p);
    for (std::string w; is >> w;) args.push_back(w);
    args.push_back("--help");
    const CliResult r = mp::testing::run_cli_capture(args);
    INFO(p);
    CHECK(r.rc == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, Catch::Contains("Usage: memprobe " + p));
  }
  const CliResult top = mp::testing::run_cli_capture({"--help"});
  CHECK(top.rc == 0);
  CHECK_THAT(top.out, Catch::Contains("audit"));
}

TEST_CASE(
    "cli validation: bad values found on a real run (layers, probes, checkpoints, "
    "subsets, architecture)",
    "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const std::string mlp = (tmp / "mlp").string(), cnn = (tmp / "cnn").string();
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 1;
  c.test_subset = 100;
  std::ostringstream log;
  train_run(c, mlp, {}, log);
  c.model = "cnn";
  train_run(c, cnn, {}, log);
  int tried = 0;

  std::vector<std::string> train = mp::testing::small_train_args(data_root);
  train.insert(train.end(), {"--out", (tmp / "t").string()});
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  expect_refused(with(train, {"--train-subset", "70000"}), "--train-subset 70000", &tried);
  expect_refused(with(train, {"--test-subset", "20000"}), "--test-subset 20000", &tried);
  expect_refused(with(train, {"--data-dir", (tmp / "empty").string()}), "memprobe data fetch mnist",
                 &tried);
  expect_refused(with(train, {"--dataset", "folder:" + (tmp / "nope").string()}),
                 (tmp / "nope").string(), &tried);

  expect_refused({"eval", "--run", mlp, "--checkpoint", "7"}, "7", &tried);
  expect_refused({"eval", "--run", mlp, "--checkpoint", "seven"}, "seven", &tried);
  expect_refused({"probe", "--run", mlp, "--layers", "fc9"}, "unknown layer 'fc9'", &tried);
  expect_refused({"probe", "--run", mlp, "--probes", "masc,svm"}, "svm", &tried);
  expect_refused({"probe", "--run", mlp, "--subspace", "random"}, "random", &tried);
  expect_refused({"probe", "--run", mlp, "--k", "-1"}, "--k", &tried);
  expect_refused(
      {"activations", "--run", mlp, "--layer", "conv9", "--out", (tmp / "a.npy").string()}, "conv9",
      &tried);
  expect_refused({"activations", "--run", mlp, "--layer", "fc1", "--split", "val", "--out",
                  (tmp / "a.npy").string()},
                 "val", &tried);
  expect_refused({"transfer", "--run", mlp, "--bias", "maybe"}, "maybe", &tried);
  expect_refused({"audit", "--run", mlp, "--layer", "fc9"}, "(probes)", &tried);

  // A checkpoint from another architecture copied over the CNN's: the checksum catches it ...
  const fs::path target = fs::path(cnn) / "checkpoints" / "epoch_0001.safetensors";
  fs::copy_file(fs::path(mlp) / "checkpoints" / "epoch_0001.safetensors", target,
                fs::copy_options::overwrite_existing);
  expect_refused({"eval", "--run", cnn}, "checksum mismatch", &tried);
  // ... and with the manifest "fixed" to its sha256, the architecture check does.
  Manifest m = Manifest::load((fs::path(cnn) / "manifest.json").string());
  m.add_checkpoint(1, {"checkpoints/epoch_0001.safetensors", mp::testing::file_sha256(target)});
  m.save((fs::path(cnn) / "manifest.json").string());
  expect_refused({"eval", "--run", cnn}, "checkpoint of architecture 'mlp', expected 'cnn'",
                 &tried);
  expect_refused({"probe", "--run", cnn}, "architecture 'mlp'", &tried);
  const CliResult a = mp::testing::run_cli_capture({"audit", "--run", cnn});
  CHECK(a.rc == 1);
  CHECK_THAT(a.out, Catch::Contains("FAIL  checkpoints") &&
                        Catch::Contains("holds a mlp, the run is a cnn"));
  CHECK(mp::testing::one_error_line(a.err));
  std::cout << "bad values on real runs tried: " << tried + 1 << "\n";
}

TEST_CASE(
    "train --force over a finished run starts from nothing: no checkpoint, timing row or edited "
    "model of the old run survives, whatever the checkpoint schedule",
    "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  std::vector<std::string> args = mp::testing::small_train_args(data_root);
  args.insert(args.end(), {"--out", run.string()});
  CliResult r = mp::testing::run_cli_capture(args);
  INFO(r.err);
  REQUIRE(r.rc == 0);
  REQUIRE(fs::exists(run / "checkpoints" / "epoch_0002.safetensors"));
  // What the analysis commands leave in a run directory.
  mp::testing::write_text(run / "timing.csv", "stale\n");
  fs::create_directories(run / "transfer");
  mp::testing::write_text(run / "transfer" / "epoch_0003-bias_zero.safetensors", "stale");

  // --checkpoints none once removed the checkpoints folder and then failed writing epoch 0 into it.
  args.insert(args.end(), {"--force", "--checkpoints", "none"});
  r = mp::testing::run_cli_capture(args);
  INFO(r.err);
  REQUIRE(r.rc == 0);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(run / "checkpoints"))
    files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"epoch_0000.safetensors", "epoch_0003.optim.safetensors",
                                          "epoch_0003.safetensors"});
  CHECK_FALSE(fs::exists(run / "timing.csv"));
  CHECK_FALSE(fs::exists(run / "transfer"));
  CHECK(Manifest::load((run / "manifest.json").string()).status() == "finished");
}
