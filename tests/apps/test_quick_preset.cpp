// The quick preset is a newcomer's first command, so it must show what the study is about, not
// merely finish: the full preset runs here (real MNIST, the preset's own recipe, 2 threads) and
// its table must hold the relations README promises (issue "the first five minutes"):
//   - every level memorises its corrupted labels (the stop rule's running count reaches 100 %);
//   - the model's test accuracy falls as p grows;
//   - at the highest level the best hidden-layer linear probe and MASC each stand 15 points or
//     more above the model and above their own input-layer value;
//   - the edited model recovers at least 5 points of the gap.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/run_dir.h"
#include "apps/study/presets.h"
#include "tensor/io/csv.h"
#include "test_train_fixture.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mp::testing::TempDir;

TEST_CASE("quick preset: every level memorises, and the hidden layers keep what the output lost",
          "[apps][realdata][reproduce][slow]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  const fs::path out = tmp / "quick";
  std::ostringstream o, e;
  const int rc = mp::app::run_cli({"--threads", "2", "reproduce", "--preset", "quick", "--out",
                                   out.string(), "--data-dir", data_root, "--gnuplot", "none"},
                                  o, e);
  INFO(o.str() << "\n" << e.str());
  REQUIRE(rc == 0);

  const mp::app::Preset& preset = mp::app::find_preset("quick");
  const mp::CsvTable summary = mp::read_csv((out / "summary.csv").string());
  REQUIRE(summary.rows.size() == preset.levels.size());

  // Memorised: each run stopped on its target, counted the reference's way.
  for (const fs::path& dir : mp::app::find_runs(out / "runs")) {
    const mp::app::RunDir run = mp::app::RunDir::open(dir);
    const auto metrics = mp::app::read_metrics_csv(run.metrics_csv());
    REQUIRE_FALSE(metrics.empty());
    const double target = run.read_manifest().json().at("config").at("target_train_acc");
    INFO(dir.string() << " stopped at epoch " << metrics.back().epoch << " with running accuracy "
                      << metrics.back().train_acc_running);
    CHECK(metrics.back().train_acc_running >= target);
    CHECK(metrics.back().epoch < preset.base.max_epochs);
  }

  // Rows come in level order; the model's test accuracy falls with every step up in p.
  for (size_t i = 1; i < summary.rows.size(); ++i) {
    INFO("level " << summary.at(i, "level"));
    CHECK(summary.number(i, "level") > summary.number(i - 1, "level"));
    CHECK(summary.number(i, "model_test_acc") < summary.number(i - 1, "model_test_acc"));
  }

  const size_t top = summary.rows.size() - 1;
  const double model = summary.number(top, "model_test_acc");
  const double linear = summary.number(top, "linear"), masc = summary.number(top, "masc_corrupted");
  INFO("highest level " << summary.at(top, "level") << ": model " << model << ", linear probe "
                        << linear << " (" << summary.at(top, "linear_layer") << "), input "
                        << summary.number(top, "linear_input") << "; MASC " << masc << " ("
                        << summary.at(top, "masc_corrupted_layer") << "), input "
                        << summary.number(top, "masc_input") << "; edited "
                        << summary.number(top, "edited_test_acc"));
  CHECK(linear >= model + 0.15);
  CHECK(masc >= model + 0.15);
  CHECK(linear > summary.number(top, "linear_input"));
  CHECK(masc > summary.number(top, "masc_input"));
  CHECK(summary.number(top, "edited_test_acc") >= model + 0.05);
}
