// Paper 1's clean-model control and relabel-and-retrain in the report (apps/report/experiments.h):
// read from the files `memprobe clean-control` and `memprobe relabel` write (docs/formats.md),
// shown in the run's section beside the run's own MASC, absent when the files are, and a
// broken file is a note on the run rather than a failed report.
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/report/experiments.h"
#include "apps/report/report.h"
#include "tensor/io/atomic_file.h"
#include "test_report_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::FakeRun;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

FakeRun noisy_run() {
  FakeRun r;
  r.level = 0.6;
  r.seed = 42;
  return r;
}

void write_experiments(const fs::path& run) {
  mp::testing::write_text(run / "clean_control.csv",
                          "layer,clean_epoch,test_acc,train_acc_corrupted,train_acc_true,best\n"
                          "input,12,0.5,0.3,0.6,0\n"
                          "fc1,12,0.61,0.3,0.6,0\n"
                          "fc2,12,0.655,0.3,0.6,1\n");
  fs::create_directories(run / "relabel");
  mp::testing::write_text(run / "relabel" / "summary.json", R"({
    "layer": "fc2", "best_epoch": 4, "epochs_trained": 7, "stop_reason": "early stop",
    "heldout_n": 2000, "eval_n": 8000, "retrained_eval_acc": 0.9125,
    "retrained_heldout_acc": 0.91, "retrained_last_eval_acc": 0.90, "model_eval_acc": 0.41,
    "masc_eval_acc": 0.88, "labels_vs_true": 0.9, "labels_vs_corrupted": 0.5,
    "corrected_share": 0.8125, "spoiled_share": 0.05})");
}

}  // namespace

TEST_CASE("report experiments: the readers return the files' numbers, nothing when absent",
          "[apps][report]") {
  TempDir tmp;
  const fs::path run = mp::testing::write_fake_run(tmp / "r", noisy_run());
  CHECK_FALSE(read_clean_control(run).has_value());
  CHECK_FALSE(read_relabel_summary(run).has_value());
  write_experiments(run);
  const auto cc = read_clean_control(run);
  REQUIRE(cc.has_value());
  REQUIRE(cc->size() == 3);
  CHECK((*cc)[2].layer == "fc2");
  CHECK((*cc)[2].clean_epoch == 12);
  CHECK((*cc)[2].test_acc == 0.655);
  CHECK((*cc)[2].best);
  CHECK_FALSE((*cc)[1].best);
  CHECK((*cc)[2].train_acc_corrupted == 0.3);  // the writer's own row type: every column read
  const auto rl = read_relabel_summary(run);
  REQUIRE(rl.has_value());
  CHECK(rl->layer == "fc2");
  CHECK(rl->best_epoch == 4);
  CHECK(rl->eval_n == 8000);
  CHECK(rl->retrained_eval_acc == 0.9125);

  // The run's own MASC beside the control, by layer; a layer the run lacks shows "-".
  const Table t = clean_control_table(*cc, {{"fc1", 0.7}, {"fc2", 0.75}});
  REQUIRE(t.rows() == 3);
  CHECK(t.data()[0] == std::vector<std::string>{"input", "50.00", "-"});
  CHECK(t.data()[2] == std::vector<std::string>{"fc2 *", "65.50", "75.00"});
  const Table r = relabel_table(*rl);
  REQUIRE(r.rows() == 1);
  CHECK(r.data()[0] ==
        std::vector<std::string>{"fc2", "4 (7, early stop)", "91.25", "41.00", "88.00", "81.25"});
}

TEST_CASE("report experiments: the run's section shows both tables, a broken file is a note",
          "[apps][report]") {
  TempDir tmp;
  const FakeRun noisy = noisy_run();
  const fs::path run =
      mp::testing::write_fake_run(tmp / "runs" / mp::testing::fake_run_name(noisy), noisy);
  write_experiments(run);
  std::ostringstream log;
  write_report(mp::testing::report_options(tmp / "runs", tmp / "out"), log);
  std::string md = mp::read_file_text((tmp / "out" / "report.md").string());
  CHECK(md.find("Clean-model control (test accuracy") != std::string::npos);
  CHECK(md.find("Relabel and retrain (docs/method.md §15)") != std::string::npos);
  CHECK(md.find("accuracies on the other 8000 test images") != std::string::npos);
  CHECK(md.find("91.25") != std::string::npos);

  // p = 0 has no wrong label to correct: null in the file, "-" in the table.
  mp::testing::write_text(run / "relabel" / "summary.json", R"({
    "layer": "input", "best_epoch": 1, "epochs_trained": 4, "stop_reason": "early stop",
    "heldout_n": 2, "eval_n": 8, "retrained_eval_acc": 0.5, "model_eval_acc": 0.5,
    "masc_eval_acc": 0.5, "corrected_share": null})");
  const auto rl = read_relabel_summary(run);
  REQUIRE(rl.has_value());
  CHECK(relabel_table(*rl).data()[0][5] == "-");

  mp::testing::write_text(run / "relabel" / "summary.json", "{ not json");
  write_report(mp::testing::report_options(tmp / "runs", tmp / "out2"), log);
  md = mp::read_file_text((tmp / "out2" / "report.md").string());
  CHECK(md.find("relabel/summary.json: unreadable, ignored") != std::string::npos);
  CHECK(md.find("Relabel and retrain (docs/method.md §15)") == std::string::npos);
  CHECK(md.find("Clean-model control (test accuracy") != std::string::npos);
}

TEST_CASE(
    "report experiments: a clean_control.csv without a column of its format is an error "
    "naming the file and the column",
    "[apps][report]") {
  TempDir tmp;
  const fs::path run = mp::testing::write_fake_run(tmp / "r", noisy_run());
  mp::testing::write_text(run / "clean_control.csv",
                          "layer,clean_epoch,test_acc\n"
                          "fc1,12,0.61\n");
  CHECK_THROWS_WITH(read_clean_control(run),
                    Catch::Contains("clean_control.csv") && Catch::Contains("best"));
}
