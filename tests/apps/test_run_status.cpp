// `memprobe status` (apps/run/run_status.h): a hand-made run directory at each stage of its
// life - training interrupted, trained, probed, dynamics part-done with a checkpoint gone, in use
// by another holder, damaged - and what the status, the table, the notes and the JSON say.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "apps/run/dynamics_results.h"
#include "apps/run/metrics_log.h"
#include "apps/run/phase_times.h"
#include "apps/run/probe_results.h"
#include "apps/run/run_dir.h"
#include "apps/run/run_status.h"
#include "apps/run/transfer_results.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp::app;
using Catch::Contains;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// A run with checkpoints at epochs 0, 1, 2, 4 (the last one's file deleted), metrics for epochs
// 0-4 (2 s of training steps each after epoch 0, 3 s per epoch on average), and dynamics done at
// epochs 0 and 1 (10 s and 20 s). Status "interrupted" until finish_run().
RunDir make_run(const std::filesystem::path& root) {
  RunDir run = RunDir::create(root);
  Manifest m;
  m.start("memprobe train --out " + root.string(), {{"max_epochs", 10}}, "blas", 1);
  for (int e : {0, 1, 2, 4}) {
    m.add_checkpoint(e, {RunDir::checkpoint_relpath(e), "sha"});
    if (e != 4) mp::testing::write_text(run.checkpoint_path(e), std::string(1000, 'w'));
  }
  m.json()["status"] = "interrupted";
  run.write_manifest(m);
  std::vector<EpochMetrics> rows(5);
  for (int e = 0; e < 5; ++e) {
    rows[e].epoch = e;
    rows[e].train_s = e == 0 ? 0 : 2;
    rows[e].epoch_s = e == 0 ? 1 : 2 + e % 2 * 2;  // epochs 1-4: 4, 2, 4, 2 s
    rows[e].test_acc = 0.5 + 0.01 * e;
    rows[e].train_acc_running = e == 0 ? EpochMetrics::kNotMeasured : 0.2 * e;
  }
  write_metrics_csv(run.metrics_csv(), rows);
  std::vector<DynamicsRow> dyn;
  for (int e : {0, 1}) dyn.push_back({e, "output", "model", "test_acc", 0.5});
  write_dynamics_csv(run.dynamics_csv(), dyn);
  record_phase_times(run.timing_csv(), {{"dynamics", 0, "", "", 10.0},
                                        {"dynamics", 1, "", "", 20.0},
                                        {"dynamics:probe", 1, "fc1", "linear", 5.0}});
  return run;
}

void finish_run(const RunDir& run) {
  Manifest m = run.read_manifest();
  m.finish("finished", 4, "target reached");
  run.write_manifest(m);
}

}  // namespace

TEST_CASE("run status follows a run from interrupted training to its missing checkpoint",
          "[apps][status]") {
  TempDir tmp;
  const auto root = tmp / "sweep" / "mnist-mlp-p0.80-s42";
  RunDir run = make_run(root);

  RunStatus s = run_status(root);
  CHECK(s.error.empty());
  CHECK(s.manifest_status == "interrupted");
  CHECK_FALSE(s.in_use());
  CHECK(s.last_epoch == 4);
  CHECK(s.max_epochs == 10);
  CHECK(s.running_acc == Approx(0.8));
  CHECK(s.test_acc == Approx(0.54));
  CHECK(s.checkpoints == 4);
  CHECK(s.checkpoints_on_disk == 3);
  CHECK(s.dynamics_done == 2);
  CHECK(s.dynamics_missing == 1);  // epoch 4: not done, and its file is gone
  CHECK(s.dynamics_left() == 2);
  CHECK(s.dynamics_seconds_per_checkpoint == Approx(15.0));  // dynamics:* rows are inside
  CHECK(s.cost.train == Approx(8.0));
  CHECK(s.recent_epoch_seconds == Approx(3.0));  // epoch 0 (evaluation only) is left out
  CHECK(s.epochs_left_at_most() == 6);
  CHECK(s.disk_bytes >= 3000);  // three 1,000-byte checkpoints and the run's files
  CHECK(s.next_step() == "train (resume)");

  finish_run(run);
  s = run_status(root);
  CHECK(s.trained());
  CHECK(s.stop_reason == "target reached");
  CHECK(s.epochs_left_at_most() == 0);
  CHECK(s.next_step() == "probe");

  ProbeRow p;
  p.epoch = 4;
  p.layer = "fc1";
  p.probe = "ncm";
  write_probes_csv(run.probes_csv(), {p});
  CHECK(run_status(root).next_step() == "transfer");
  TransferRow t;
  t.epoch = 4;
  t.bias = "zero";
  write_transfer_csv(run.transfer_csv(), {t});
  CHECK(run_status(root).next_step() == "dynamics (retrain first)");

  {
    RunDir writer = RunDir::open(root);
    writer.lock("test");
    s = run_status(root);
    REQUIRE(s.in_use());
    CHECK_THAT(*s.holder, Contains("pid="));
    CHECK(s.next_step() == "wait (in use)");
  }
  CHECK_FALSE(run_status(root).in_use());  // released with the writer

  // The gone checkpoint comes back, epochs 2 and 4 get their dynamics: the run is done.
  mp::testing::write_text(run.checkpoint_path(4), "w");
  std::vector<DynamicsRow> dyn;
  for (int e : {2, 4}) dyn.push_back({e, "output", "model", "test_acc", 0.5});
  write_dynamics_csv(run.dynamics_csv(), dyn);
  s = run_status(root);
  CHECK(s.dynamics_left() == 0);
  CHECK(s.analysed());
  CHECK(s.next_step() == "done");
}

TEST_CASE("run status: the pace left ignores an epoch that held a pause", "[apps][status]") {
  TempDir tmp;
  const auto root = tmp / "mnist-mlp-p0.80-s42";
  RunDir run = make_run(root);
  // Epochs 1-13: 30 s each except epoch 9, which held a 30-minute pause (the run stopped with
  // SIGSTOP, or killed by a session's end and resumed): a mean of the last ten would say 207 s.
  std::vector<EpochMetrics> rows(14);
  for (int e = 0; e < 14; ++e) {
    rows[e].epoch = e;
    rows[e].epoch_s = e == 0 ? 5 : e == 9 ? 1800 : 30;
    rows[e].test_acc = 0.5;
    rows[e].train_acc_running = e == 0 ? EpochMetrics::kNotMeasured : 0.5;
  }
  write_metrics_csv(run.metrics_csv(), rows);
  RunStatus s = run_status(root);
  CHECK(s.recent_epoch_seconds == Approx(30.0));
  // An odd count takes the middle row: epochs 1-3 only, 30, 40 and 1800 s.
  rows.resize(4);
  rows[2].epoch_s = 40;
  rows[3].epoch_s = 1800;
  write_metrics_csv(run.metrics_csv(), rows);
  CHECK(run_status(root).recent_epoch_seconds == Approx(40.0));
}

TEST_CASE("memprobe status prints the sweep, what to type next, and names a damaged file",
          "[apps][status]") {
  TempDir tmp;
  const auto sweep = tmp / "sweep";
  make_run(sweep / "a-run");
  const RunDir b = make_run(sweep / "b-run");
  finish_run(b);

  mp::testing::CliResult r = mp::testing::run_cli_capture({"status", sweep.string()});
  REQUIRE(r.rc == 0);
  CHECK_THAT(r.out, Contains("a-run") && Contains("stopped (interrupted)") &&
                        Contains("4 of <= 10") && Contains("80.00") && Contains("2 of 4") &&
                        Contains("4 (3 on disk)") && Contains("train (resume)"));
  CHECK_THAT(r.out, Contains("b-run") && Contains("trained (target reached)"));
  // The note gives the command to continue, with --resume for a `train` run.
  CHECK_THAT(r.out, Contains("a-run: continue with: memprobe train --out " +
                             (sweep / "a-run").string() + " --resume"));
  CHECK_THAT(r.out, Contains("a-run: at most 6 epochs to its cap of 10, at most about 18.0s at "
                             "the 3.0 s per epoch"));
  CHECK_THAT(r.out, Contains("b-run: dynamics 2 of 4 checkpoints left, about 30.0s at the 15.0 s"));
  CHECK_THAT(r.out, Contains("b-run: 1 checkpoints the dynamics still needs are not on disk"));

  r = mp::testing::run_cli_capture({"status", "--json", (sweep / "b-run").string()});
  REQUIRE(r.rc == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["run"] == "b-run");
  CHECK(j[0]["manifest_status"] == "finished");
  CHECK(j[0]["in_use_by"].is_null());
  CHECK(j[0]["dynamics_done"] == 2);
  CHECK(j[0]["dynamics_missing"] == 1);
  CHECK(j[0]["next"] == "probe");
  CHECK(j[0]["running_acc"] == Approx(0.8));
  CHECK(j[0]["recent_epoch_seconds"] == Approx(3.0));
  CHECK(j[0]["epochs_left_at_most"] == 0);  // trained
  // docs/formats.md lists every key ("error" only for an unreadable run).
  std::set<std::string> keys, documented;
  for (auto it = j[0].begin(); it != j[0].end(); ++it) keys.insert(it.key());
  for (const std::string& k : mp::testing::formats_doc_columns("memprobe status --json"))
    if (k != "error") documented.insert(k);
  CHECK(keys == documented);

  // A damaged metrics.csv: that run says which file and why, the others are still listed, and
  // the exit code says something is wrong.
  mp::testing::write_text(sweep / "a-run" / "metrics.csv", "nonsense\n1\n");
  r = mp::testing::run_cli_capture({"status", sweep.string()});
  CHECK(r.rc == 1);
  CHECK_THAT(r.out, Contains("unreadable") && Contains("metrics.csv") && Contains("b-run"));

  r = mp::testing::run_cli_capture({"status", (tmp / "nowhere").string()});
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Contains("nowhere") && Contains("is not a directory"));
  std::filesystem::create_directories(tmp / "empty");
  r = mp::testing::run_cli_capture({"status", (tmp / "empty").string()});
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Contains("no run under") && Contains("manifest.json"));
}

TEST_CASE("run status: the command that continues a run points at where the run is now",
          "[apps][status]") {
  TempDir tmp;
  const auto set_command = [](const RunDir& run, const std::string& command) {
    Manifest m = run.read_manifest();
    m.json()["command"] = command;
    run.write_manifest(m);
  };
  // Not moved: the manifest's command, with --resume for train (the quoting kept as written).
  const auto here = tmp / "it's here" / "run";
  const RunDir run = make_run(here);
  const std::vector<std::string> train = {"memprobe",    "train",        "--out",
                                          here.string(), "--max-epochs", "10"};
  set_command(run, join_command_line(train));
  RunStatus s = run_status(here);
  CHECK(s.continue_command() == join_command_line(train) + " --resume");
  CHECK_THAT(s.continue_command(), Contains("'\\''s here/run"));  // shell quoting survives

  // Moved since it started: --out names the folder it is in now.
  set_command(run, "memprobe train --out /elsewhere/run --resume");
  s = run_status(here);
  CHECK(s.continue_command() ==
        join_command_line({"memprobe", "train", "--out",
                           fs::absolute(here).lexically_normal().string(), "--resume"}));

  // reproduce: --out is the sweep holding runs/<name>, and it resumes by itself.
  const auto sweep = tmp / "sweep";
  const RunDir r = make_run(sweep / "runs" / "mnist-mlp-p0.80-s42");
  set_command(r,
              "memprobe --threads 1 reproduce --preset mnist-mlp --out /elsewhere/p08 "
              "--levels 0.8 --train-only");
  CHECK(run_status(sweep / "runs" / "mnist-mlp-p0.80-s42").continue_command() ==
        "memprobe --threads 1 reproduce --preset mnist-mlp --out " +
            fs::absolute(sweep).lexically_normal().string() + " --levels 0.8 --train-only");
  set_command(r, "memprobe reproduce --preset mnist-mlp --out " + sweep.string());
  CHECK(run_status(sweep / "runs" / "mnist-mlp-p0.80-s42").continue_command() ==
        "memprobe reproduce --preset mnist-mlp --out " + sweep.string());
}
