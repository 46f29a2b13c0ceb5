// The analysis lock (RunDir::lock_analysis): two commands writing one run's analysis files at
// once are refused before either computes anything, while a run that is training can still be
// probed. flock conflicts between open file descriptions even within one process, so a RunDir
// held here stands for another process holding the lock.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "apps/run/run_dir.h"
#include "apps/run/run_status.h"
#include "apps/run/trainer.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp::app;
using Catch::Contains;
using mp::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("run dir: the analysis lock is apart from the training lock", "[apps][rundir]") {
  TempDir tmp;
  RunDir trainer = RunDir::create(tmp / "run");
  trainer.lock("train");
  RunDir analyser = RunDir::create(tmp / "run");
  analyser.lock_analysis("probe");  // not refused: a training holds the other lock
  CHECK(analyser.analysis_locked());
  CHECK(fs::exists(tmp / "run" / ".analysis.lock"));

  RunDir second = RunDir::create(tmp / "run");
  const std::string msg = mp::testing::error_of([&] { second.lock_analysis("compute dynamics"); });
  CHECK_THAT(msg, Contains((tmp / "run").string() + " is being analysed by pid=") &&
                      Contains("refusing to compute dynamics"));
  CHECK_FALSE(second.analysis_locked());
  analyser.lock_analysis("probe");  // taking it again while held is a no-op
  CHECK(analyser.analysis_locked());
}

TEST_CASE(
    "analysis lock: a second analysis is refused and writes nothing, a training run can be "
    "probed, and status names the analyser",
    "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  std::ostringstream log;
  train_run(mp::testing::small_config(data_root), run, {}, log);
  const std::string timing = (run / "timing.csv").string();

  {
    RunDir other = RunDir::open(run);  // another analysis is writing the run
    other.lock_analysis("compute the dynamics");
    const RunStatus s = run_status(run);
    REQUIRE(s.being_analysed());
    CHECK_THAT(*s.analyser, Contains("pid="));
    CHECK_FALSE(s.in_use());
    CHECK(s.next_step() == "wait (being analysed)");

    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{"dynamics", "--layers", "fc4"},
          {"probe", "--layers", "fc4", "--probes", "ncm"},
          {"transfer"},
          {"clean-control", "--clean", run.string()}}) {
      std::vector<std::string> args = cmd;
      args.insert(args.end(), {"--run", run.string(), "--threads", "2"});
      const mp::testing::CliResult r = mp::testing::run_cli_capture(args);
      INFO(cmd[0] << ": " << r.err);
      CHECK(r.rc == 1);
      CHECK_THAT(r.err, Contains("is being analysed by pid=") && Contains("refusing to"));
      CHECK(mp::testing::one_error_line(r.err));
    }
    // Refused before anything was computed or written.
    for (const char* f :
         {"dynamics.csv", "probes.csv", "transfer.csv", "timing.csv", "clean_control.csv"})
      CHECK_FALSE(fs::exists(run / f));
    CHECK_FALSE(fs::exists(run / "transfer"));
  }
  CHECK_FALSE(run_status(run).being_analysed());  // released with its holder

  // A training holds the run's other lock: a saved checkpoint can still be probed.
  RunDir training = RunDir::open(run);
  training.lock("train");
  const mp::testing::CliResult p = mp::testing::run_cli_capture(
      {"probe", "--run", run.string(), "--layers", "fc4", "--probes", "ncm", "--threads", "2"});
  INFO(p.err);
  CHECK(p.rc == 0);
  CHECK(fs::exists(run / "probes.csv"));
  CHECK(fs::exists(timing));
}

TEST_CASE("analysis lock: the --help of every command that takes it says so", "[apps]") {
  for (const char* cmd : {"probe", "transfer", "dynamics", "clean-control"}) {
    const mp::testing::CliResult r = mp::testing::run_cli_capture({cmd, "--help"});
    INFO(cmd << ": " << r.out << r.err);
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Contains("RUN/.analysis.lock"));
  }
}
