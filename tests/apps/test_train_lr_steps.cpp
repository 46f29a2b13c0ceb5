// --lr-steps: a step learning-rate schedule (the quick preset fits fast at a high rate, then
// drops it so every label stays fitted). The rate of an epoch follows from the configuration
// alone, so a resumed run trains each epoch at the rate an uninterrupted one did.
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/run/run_dir.h"
#include "apps/run/train_config.h"
#include "apps/run/trainer.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("lr-steps: the rate of each epoch, and every malformed schedule named", "[apps][train]") {
  TrainConfig c;
  c.lr = 0.01;
  c.lr_steps = "3:0.001,5:0.0001";
  c.resolve_defaults();
  CHECK(c.lr_at_epoch(1) == 0.01);
  CHECK(c.lr_at_epoch(2) == 0.01);
  CHECK(c.lr_at_epoch(3) == 0.001);
  CHECK(c.lr_at_epoch(4) == 0.001);
  CHECK(c.lr_at_epoch(5) == 0.0001);
  CHECK(c.lr_at_epoch(500) == 0.0001);
  // Recorded in the manifest's config and read back; a constant-rate config writes no key, so
  // its manifest is the one older binaries wrote and their runs still resume as the same.
  CHECK(TrainConfig::from_json(c.to_json()).lr_at_epoch(4) == 0.001);
  TrainConfig constant;
  constant.resolve_defaults();
  CHECK_FALSE(constant.to_json().contains("lr_steps"));
  CHECK(constant.lr_at_epoch(7) == constant.lr);

  for (const std::string bad : {"3", "0:0.1", "3:-1", "3:0", "5:0.1,3:0.01", "a:b", "3:0.1x"}) {
    TrainConfig b;
    b.lr_steps = bad;
    INFO("--lr-steps " << bad);
    CHECK_THROWS_WITH(b.resolve_defaults(), Catch::Contains("--lr-steps"));
  }
}

TEST_CASE(
    "lr-steps: training follows the schedule, and a resume mid-schedule equals a run "
    "that was never stopped",
    "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  std::ostringstream log;
  TrainConfig constant = mp::testing::small_config(data_root);
  constant.lr = 0.01;
  constant.checkpoints = "all";
  train_run(constant, tmp / "constant", {}, log);

  // A step at epoch 1 replaces --lr entirely: the same weights as training at that rate.
  TrainConfig from_start = mp::testing::small_config(data_root);
  from_start.lr = 0.5;
  from_start.lr_steps = "1:0.01";
  from_start.checkpoints = "all";
  train_run(from_start, tmp / "from_start", {}, log);
  const RunDir a = RunDir::open(tmp / "constant"), b = RunDir::open(tmp / "from_start");
  CHECK(mp::testing::file_sha256(a.checkpoint_path(3)) ==
        mp::testing::file_sha256(b.checkpoint_path(3)));

  // A step at epoch 3: epochs 1-2 as the constant run, epoch 3 not.
  TrainConfig step = constant;
  step.lr_steps = "3:0.001";
  step.keep_optim = "all";
  train_run(step, tmp / "step", {}, log);
  const RunDir s = RunDir::open(tmp / "step");
  CHECK(mp::testing::file_sha256(s.checkpoint_path(2)) ==
        mp::testing::file_sha256(a.checkpoint_path(2)));
  CHECK(mp::testing::file_sha256(s.checkpoint_path(3)) !=
        mp::testing::file_sha256(a.checkpoint_path(3)));
  const std::string uninterrupted = mp::testing::file_sha256(s.checkpoint_path(3));

  // Stopped after epoch 2 (its last checkpoint) and resumed: epoch 3 runs at the step's rate.
  fs::remove(s.checkpoint_path(3));
  fs::remove(s.optim_path(3));
  RunDir d = RunDir::open(tmp / "step");
  Manifest m = d.read_manifest();
  m.json()["status"] = "interrupted";
  d.write_manifest(m);
  TrainOptions o;
  o.resume = true;
  train_run(step, tmp / "step", o, log);
  CHECK(mp::testing::file_sha256(s.checkpoint_path(3)) == uninterrupted);
}
