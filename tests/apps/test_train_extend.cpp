// Raising the epoch cap of a run: a run that stopped at its cap trains on under --resume with a
// higher --max-epochs, to the same weights as a run started with that cap; everything else about
// a finished run (a lower cap, no --resume, a run that reached its target) is unchanged.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/run/metrics_log.h"
#include "apps/run/trainer.h"
#include "tensor/check.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

nlohmann::json manifest_of(const fs::path& run) {
  return nlohmann::json::parse(mp::testing::read_text(run / "manifest.json"));
}

std::string error_of(const TrainConfig& c, const fs::path& run, const TrainOptions& o) {
  std::ostringstream log;
  try {
    train_run(c, run, o, log);
  } catch (const mp::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("train --resume with a raised --max-epochs continues a run that stopped at its cap",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run", straight = tmp / "straight";
  TrainConfig c = mp::testing::small_config(data_root);
  c.max_epochs = 2;
  std::ostringstream log;
  const TrainOutcome first = train_run(c, run, {}, log);
  REQUIRE(first.stop_reason == "epoch cap");
  REQUIRE(first.final_epoch == 2);
  const std::string manifest_at_cap = mp::testing::read_text(run / "manifest.json");

  TrainConfig higher = c;
  higher.max_epochs = 4;
  // Without --resume: refused, naming the cap and both ways on; nothing changes.
  const std::string refused = error_of(higher, run, {});
  CHECK_THAT(refused, Catch::Contains("stopped at its epoch cap (2)") &&
                          Catch::Contains("--resume") && Catch::Contains("--force"));
  CHECK(mp::testing::read_text(run / "manifest.json") == manifest_at_cap);

  TrainOptions resume;
  resume.resume = true;
  std::ostringstream log2;
  const TrainOutcome extended = train_run(higher, run, resume, log2);
  CHECK_FALSE(extended.reused);
  CHECK(extended.final_epoch == 4);
  CHECK(extended.stop_reason == "epoch cap");
  CHECK_THAT(log2.str(), Catch::Contains("epoch cap raised from 2 to 4"));
  const nlohmann::json m = manifest_of(run);
  CHECK(m["status"] == "finished");
  CHECK(m["final_epoch"] == 4);
  CHECK(m["config"]["max_epochs"] == 4);
  REQUIRE(m["max_epochs_raised"].size() == 1);
  CHECK(m["max_epochs_raised"][0] == nlohmann::json({{"from", 2}, {"to", 4}, {"at_epoch", 2}}));

  // The same weights and per-epoch losses as a run that had the higher cap from the start.
  std::ostringstream log3;
  train_run(higher, straight, {}, log3);
  const fs::path last = fs::path("checkpoints") / "epoch_0004.safetensors";
  CHECK(mp::testing::file_sha256(run / last) == mp::testing::file_sha256(straight / last));
  const auto a = read_metrics_csv(run / "metrics.csv");
  const auto b = read_metrics_csv(straight / "metrics.csv");
  REQUIRE(a.size() == 5);
  REQUIRE(b.size() == 5);
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].epoch == b[i].epoch);
    CHECK(a[i].loss == b[i].loss);
    CHECK(a[i].test_acc == b[i].test_acc);
  }

  // A lower cap than the run now has is another run: refused, naming both values.
  const std::string lower = error_of(c, run, resume);
  CHECK_THAT(lower, Catch::Contains("max_epochs = 4") && Catch::Contains("says 2"));
}

TEST_CASE("train: a run that reached its target is the run any higher cap asks for",
          "[apps][train][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  TrainConfig c = mp::testing::small_config(data_root);
  c.target_train_acc = 0.05;  // reached in the first epoch
  std::ostringstream log;
  const TrainOutcome first = train_run(c, run, {}, log);
  REQUIRE(first.stop_reason == "target reached");
  const std::string manifest = mp::testing::read_text(run / "manifest.json");
  TrainConfig higher = c;
  higher.max_epochs = 10;
  std::ostringstream log2;
  const TrainOutcome again = train_run(higher, run, {}, log2);
  CHECK(again.reused);
  CHECK(again.final_epoch == first.final_epoch);
  CHECK(mp::testing::read_text(run / "manifest.json") == manifest);
}
