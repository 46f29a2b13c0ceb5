// A level whose training stopped short of its target must be said so where the summary is read
// (report.md, report.html, the console): its numbers are those of a model that had not fitted
// its training labels as far as the recipe asks. Fixture runs (test_report_fixture.h) whose
// manifest and metrics.csv say how training ended.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/report/report.h"
#include "tensor/io/atomic_file.h"
#include "test_report_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::FakeRun;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// Stopped at a 3-epoch cap with 93.1 % running accuracy against a 100 % target.
FakeRun capped_run() {
  FakeRun r;
  r.level = 0.8;
  r.seed = 42;
  r.max_epochs = r.final_epoch = 3;
  r.stop_reason = "epoch cap";
  r.final_running_acc = 0.931;
  return r;
}

FakeRun reached_run(double level) {
  FakeRun r;
  r.level = level;
  r.seed = 42;
  r.final_running_acc = 1.0;
  return r;
}

const RunData& run_at(const LoadedRuns& l, double level) {
  for (const RunData& r : l.runs)
    if (std::abs(r.key.level - level) < 1e-9) return r;
  FAIL("no run at p=" << level);
  throw std::logic_error("unreachable");
}

const char* const kCappedNote =
    "mnist/mlp, level 0.8 (seed 42): training stopped at the 3-epoch cap with 93.10 % running "
    "training accuracy on the corrupted labels, short of its 100 % target: the model did not "
    "memorise them all.";

}  // namespace

TEST_CASE("stop target: a run that hit the epoch cap is named, one that reached it is not",
          "[apps][report]") {
  TempDir tmp;
  mp::testing::write_fake_run(tmp / "runs" / "capped", capped_run());
  mp::testing::write_fake_run(tmp / "runs" / "reached", reached_run(0.4));
  const LoadedRuns loaded = load_runs({tmp / "runs"});
  REQUIRE(loaded.runs.size() == 2);

  const StopTarget capped = stop_target(run_at(loaded, 0.8));
  CHECK(capped.outcome == StopOutcome::EpochCap);
  CHECK(capped.accuracy == Approx(0.931).margin(1e-12));
  CHECK(capped.running);
  CHECK(capped.target == 1.0);
  CHECK(capped.max_epochs == 3);
  CHECK(stop_target(run_at(loaded, 0.4)).outcome == StopOutcome::Reached);
  CHECK(stop_target_note(run_at(loaded, 0.4)).empty());
  CHECK(stop_target_notes(loaded.runs) == std::vector<std::string>{kCappedNote});
  CHECK_FALSE(all_stop_targets_reached(loaded.runs));

  std::ostringstream log;
  write_report(mp::testing::report_options(tmp / "runs", tmp / "out"), log);
  const std::string md = mp::read_file_text((tmp / "out" / "report.md").string());
  const std::string html = mp::read_file_text((tmp / "out" / "report.html").string());
  // Under the summary table, before the published numbers and the runs.
  const size_t note_at = md.find(kCappedNote);
  REQUIRE(note_at != std::string::npos);
  CHECK(note_at > md.find("## Summary"));
  CHECK(note_at < md.find("## Published numbers"));
  CHECK(md.find("> Not every run reached its stop target") != std::string::npos);
  CHECK(html.find("<div class=\"note\">") != std::string::npos);
  CHECK(html.find(kCappedNote) != std::string::npos);
  CHECK(md.find(kAllStopTargetsReached) == std::string::npos);
}

TEST_CASE("stop target: the console summary of memprobe report names the capped run",
          "[apps][report][cli]") {
  TempDir tmp;
  mp::testing::write_fake_run(tmp / "runs" / "capped", capped_run());
  mp::testing::write_fake_run(tmp / "runs" / "reached", reached_run(0.4));
  std::ostringstream out, err;
  const int rc = run_cli({"report", "--runs", (tmp / "runs").string(), "--out",
                          (tmp / "rep").string(), "--gnuplot", "none", "--threads", "1"},
                         out, err);
  INFO(err.str());
  REQUIRE(rc == 0);
  const std::string s = out.str();
  const size_t table = s.find("train acc (corrupted)");
  const size_t lead = s.find("Stop target not reached:");
  REQUIRE(table != std::string::npos);
  REQUIRE(lead != std::string::npos);
  CHECK(lead > table);
  CHECK(s.find(std::string("  ") + kCappedNote + "\n") != std::string::npos);
  CHECK(s.find("level 0.4 (seed 42)") == std::string::npos);
}

TEST_CASE("stop target: when every run reached it, one line says so", "[apps][report][cli]") {
  TempDir tmp;
  mp::testing::write_fake_run(tmp / "runs" / "a", reached_run(0));
  mp::testing::write_fake_run(tmp / "runs" / "b", reached_run(0.4));
  std::ostringstream out, err;
  REQUIRE(run_cli({"report", "--runs", (tmp / "runs").string(), "--out", (tmp / "rep").string(),
                   "--gnuplot", "none", "--threads", "1"},
                  out, err) == 0);
  CHECK(out.str().find(kAllStopTargetsReached) != std::string::npos);
  CHECK(out.str().find("Stop target not reached") == std::string::npos);
  const std::string md = mp::read_file_text((tmp / "rep" / "report.md").string());
  CHECK(md.find(kAllStopTargetsReached) != std::string::npos);
  CHECK(md.find("Not every run reached") == std::string::npos);
}

TEST_CASE("stop target: without the trainer's stop reason, the config and metrics decide",
          "[apps][report]") {
  TempDir tmp;
  FakeRun capped = capped_run();  // at the cap, below the target
  capped.stop_reason = "";
  capped.target_train_acc = 0.999;
  capped.level = 0;
  FakeRun reached = reached_run(0.4);  // at the target, far from the cap
  reached.stop_reason = "";
  reached.final_running_acc = 0.9995;
  reached.target_train_acc = 0.999;
  FakeRun running = reached_run(0.6);  // still training
  running.status = "running";
  running.stop_reason = "";
  running.final_running_acc = 0.5;
  FakeRun old = reached_run(0.2);  // no running count logged: the evaluation pass stands in
  old.stop_reason = "";
  old.final_running_acc = std::nan("");
  old.seed = 2;  // final train_acc_corrupted 0.99 (test_report_fixture.h), below 1.0
  old.max_epochs = old.final_epoch;
  for (const FakeRun& r : {capped, reached, running, old})
    mp::testing::write_fake_run(tmp / "runs" / mp::testing::fake_run_name(r), r);
  const LoadedRuns loaded = load_runs({tmp / "runs"});
  REQUIRE(loaded.runs.size() == 4);

  CHECK(stop_target(run_at(loaded, 0)).outcome == StopOutcome::EpochCap);
  CHECK(stop_target_note(run_at(loaded, 0)) ==
        "mnist/mlp, level 0 (seed 42): training stopped at the 3-epoch cap with 93.10 % running "
        "training accuracy on its training labels, short of its 99.9 % target: the model did "
        "not fit them all.");
  CHECK(stop_target(run_at(loaded, 0.4)).outcome == StopOutcome::Reached);
  CHECK(stop_target(run_at(loaded, 0.6)).outcome == StopOutcome::Unfinished);
  CHECK(stop_target_note(run_at(loaded, 0.6)) ==
        "mnist/mlp, level 0.6 (seed 42): training is not finished (status running): at epoch 3 "
        "of at most 500 it has 50.00 % running training accuracy on the corrupted labels, short "
        "of its 100 % target.");
  const StopTarget o = stop_target(run_at(loaded, 0.2));
  CHECK(o.outcome == StopOutcome::EpochCap);
  CHECK_FALSE(o.running);
  CHECK(stop_target_note(run_at(loaded, 0.2)).find("with 99.00 % training accuracy on the") !=
        std::string::npos);
  CHECK(stop_target_notes(loaded.runs).size() == 3);
}
