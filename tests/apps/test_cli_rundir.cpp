// Run directories: the exclusive lock, checkpoint discovery and --checkpoint resolution, run
// discovery in a tree, and manifest round trips that keep unknown keys.
#include <catch2/catch.hpp>

#include <fstream>

#include "apps/run/manifest.h"
#include "apps/run/run_dir.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

using mp::testing::error_of;

namespace {
void touch(const fs::path& p) {
  mp::testing::write_file(p, {0});
}

}  // namespace

TEST_CASE("run dir: a second locker is refused with the holder named", "[apps][rundir]") {
  TempDir tmp;
  RunDir a = RunDir::create(tmp / "run");
  CHECK(fs::is_directory(tmp / "run" / "checkpoints"));
  a.lock("train");
  CHECK(a.locked());
  RunDir b = RunDir::create(tmp / "run");
  const std::string msg = error_of([&] { b.lock("resume training"); });
  CHECK(msg.find((tmp / "run").string() + " is in use by pid=") != std::string::npos);
  CHECK(msg.find("host=") != std::string::npos);
  CHECK(msg.find("refusing to resume training") != std::string::npos);
  CHECK_FALSE(b.locked());
  a.unlock();
  b.lock("resume training");
  CHECK(b.locked());
}

TEST_CASE("run dir: checkpoint files and --checkpoint last|N", "[apps][rundir]") {
  CHECK(checkpoint_file_name(4) == "epoch_0004.safetensors");
  CHECK(optim_file_name(12) == "epoch_0012.optim.safetensors");
  CHECK(checkpoint_file_name(12345) == "epoch_12345.safetensors");
  CHECK(RunDir::checkpoint_relpath(0) == "checkpoints/epoch_0000.safetensors");
  CHECK(parse_checkpoint_file_name("epoch_0004.safetensors") == 4);
  CHECK(parse_checkpoint_file_name("epoch_12345.safetensors") == 12345);
  CHECK_FALSE(parse_checkpoint_file_name("epoch_0004.optim.safetensors"));
  CHECK_FALSE(parse_checkpoint_file_name("epoch_.safetensors"));
  CHECK_FALSE(parse_checkpoint_file_name("epoch_00a4.safetensors"));
  CHECK_FALSE(parse_checkpoint_file_name("epoch_0004.safetensors.tmp.123"));
  CHECK_FALSE(parse_checkpoint_file_name("edited.safetensors"));

  TempDir tmp;
  RunDir r = RunDir::create(tmp / "run");
  CHECK(r.checkpoint_epochs().empty());
  CHECK(error_of([&] { r.resolve_checkpoint("last"); }).find("no checkpoints") !=
        std::string::npos);
  for (int e : {0, 1, 4, 10}) {
    touch(r.checkpoint_path(e));
    touch(r.optim_path(e));
  }
  touch(r.checkpoints_dir() / "epoch_0020.safetensors.tmp.999");  // a write that never finished
  touch(r.checkpoints_dir() / "notes.txt");
  CHECK(r.checkpoint_epochs() == std::vector<int>{0, 1, 4, 10});
  CHECK(r.resolve_checkpoint("last") == 10);
  CHECK(r.resolve_checkpoint("4") == 4);
  CHECK(r.resolve_checkpoint("0") == 0);
  const std::string missing = error_of([&] { r.resolve_checkpoint("3"); });
  CHECK(missing.find("no checkpoint for epoch 3 (available: 0, 1, 4, 10)") != std::string::npos);
  CHECK(error_of([&] { r.resolve_checkpoint("first"); }).find("use 'last' or an epoch number") !=
        std::string::npos);
  CHECK_FALSE(error_of([&] { r.resolve_checkpoint("-1"); }).empty());
  CHECK_FALSE(error_of([&] { r.resolve_checkpoint("4x"); }).empty());
}

TEST_CASE("run dir: open requires a manifest, find_runs scans a tree", "[apps][rundir]") {
  TempDir tmp;
  CHECK(error_of([&] { RunDir::open(tmp / "nope"); }).find("is not a directory") !=
        std::string::npos);
  fs::create_directories(tmp / "empty");
  CHECK(error_of([&] { RunDir::open(tmp / "empty"); }).find("no manifest.json") !=
        std::string::npos);

  for (const char* d : {"a/runs/r1", "a/runs/r2", "b/deep/er/r3", "c"}) {
    fs::create_directories(tmp / d);
    Manifest().save((tmp / d / "manifest.json").string());
  }
  // A manifest inside checkpoints/ is not a run (and is never descended into).
  fs::create_directories(tmp / "a/runs/r1/checkpoints/x");
  Manifest().save((tmp / "a/runs/r1/checkpoints/x/manifest.json").string());
  fs::create_directories(tmp / "d/no-manifest");
  const auto runs = find_runs(tmp.path());
  REQUIRE(runs.size() == 4);
  CHECK(runs[0] == tmp / "a/runs/r1");
  CHECK(runs[2] == tmp / "b/deep/er/r3");
  CHECK(runs[3] == tmp / "c");
  CHECK(find_runs(tmp / "c").size() == 1);  // a run directory itself
  CHECK_NOTHROW(RunDir::open(tmp / "c"));
}

TEST_CASE("manifest: round trip keeps unknown keys, typed fields are validated", "[apps][rundir]") {
  TempDir tmp;
  const std::string path = (tmp / "manifest.json").string();
  Manifest m;
  m.start("memprobe train --dataset mnist", {{"dataset", "mnist"}, {"seed", 7}, {"corrupt", 0.4}},
          "OpenBLAS x", 2);
  m.set_dataset("mnist", {{"train-images-idx3-ubyte", "abc"}});
  m.set_labels_sha256("def");
  m.add_checkpoint(0, {"checkpoints/epoch_0000.safetensors", "s0"});
  m.add_checkpoint(4, {"checkpoints/epoch_0004.safetensors", "s4"});
  m.json()["written_by_a_newer_version"] = {{"x", 1}};
  m.save(path);

  Manifest r = Manifest::load(path);
  CHECK(r.status() == "running");
  CHECK(r.json()["finished"].is_null());
  CHECK(r.str("command") == "memprobe train --dataset mnist");
  CHECK(r.config_str("dataset") == "mnist");
  CHECK(r.config_num("corrupt", -1) == 0.4);
  CHECK(r.config_str("seed") == "7");
  CHECK(r.config_num("missing", 3.5) == 3.5);
  CHECK(r.json()["runtime"]["threads"] == 2);
  CHECK(r.dataset_files().at("train-images-idx3-ubyte") == "abc");
  CHECK(r.str("labels_sha256") == "def");
  const auto cps = r.checkpoints();
  REQUIRE(cps.size() == 2);
  CHECK(cps.at(4).file == "checkpoints/epoch_0004.safetensors");
  CHECK(cps.at(4).sha256 == "s4");
  CHECK_FALSE(r.final_epoch().has_value());
  r.finish("finished", 12, "target reached");
  r.save(path);

  Manifest f = Manifest::load(path);
  CHECK(f.status() == "finished");
  CHECK(f.final_epoch() == 12);
  CHECK(f.str("stop_reason") == "target reached");
  CHECK(f.str("finished").size() == 20);  // 2026-01-31T12:34:56Z
  CHECK(f.json()["written_by_a_newer_version"]["x"] == 1);
  CHECK_THROWS_AS(f.finish("done", 1, ""), mp::Error);

  mp::write_file_atomic(path, "{\"status\": 3}");
  CHECK(error_of([&] { Manifest::load(path); }).find("'status' should be a string") !=
        std::string::npos);
  mp::write_file_atomic(path, "[1, 2]");
  CHECK(error_of([&] { Manifest::load(path); }).find("not a JSON object") != std::string::npos);
  mp::write_file_atomic(path, "{\"checkpoints\": {\"3\": {\"sha256\": \"x\"}}}");
  CHECK(error_of([&] { Manifest::load(path); }).find("checkpoint '3'") != std::string::npos);
  CHECK(error_of([&] { Manifest::load((tmp / "absent.json").string()); }).find("absent.json") !=
        std::string::npos);
}

TEST_CASE("manifest: command lines are shell-quoted", "[apps][rundir]") {
  CHECK(shell_quote("plain-arg_1.0") == "plain-arg_1.0");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  const char* argv[] = {"memprobe", "train", "--out", "my runs/x"};
  CHECK(join_command_line(4, argv) == "memprobe train --out 'my runs/x'");
  const std::string t = iso8601_utc_now();
  REQUIRE(t.size() == 20);
  CHECK(t[4] == '-');
  CHECK(t[10] == 'T');
  CHECK(t.back() == 'Z');
}
