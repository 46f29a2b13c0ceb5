// Crash safety with real processes: the built `memprobe` binary is SIGKILLed at random times and
// resumed until it finishes, and must end bit-identical to an uninterrupted run; two processes
// on one run directory; an interrupted run refused without --resume or with other settings.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/run_dir.h"
#include "apps/run/trainer.h"
#include "apps/study/audit.h"
#include "tensor/check.h"
#include "tensor/threads.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

#define MP_REQUIRE_BINARY(var)                                                      \
  const std::string var = mp::testing::memprobe_binary();                           \
  if (var.empty()) {                                                                \
    WARN("the memprobe binary is not built (cmake --build ... --target memprobe)"); \
    return;                                                                         \
  }

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// Polls until `pred` holds or the child exits (returns false then) or `limit` passes.
template <class Pred>
bool wait_for(pid_t child, Pred pred, std::chrono::duration<double> limit, int* exit_code) {
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < limit) {
    if (pred()) return true;
    int st = 0;
    if (::waitpid(child, &st, WNOHANG) == child) {
      *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

// Checkpoint epochs listed in a run's manifest (nothing if it is absent or being replaced).
std::map<int, CheckpointEntry> listed_checkpoints(const fs::path& run) {
  try {
    return Manifest::load((run / "manifest.json").string()).checkpoints();
  } catch (const std::exception&) {
    return {};
  }
}

// The small run with a 50-epoch cap, into `run`: long enough to be stopped part-way.
std::vector<std::string> fifty_epoch_args(const std::string& data_root, const fs::path& run) {
  std::vector<std::string> args = mp::testing::small_train_args(data_root);
  args[args.size() - 3] = "50";
  return with(args, {"--out", run.string()});
}

// Starts `args` as a child (output to out/err), waits up to 60 s for `ready` to hold, then sends
// `sig` and reaps it. Returns whether `ready` held; *rc gets the child's exit code.
template <class Pred>
bool stop_when(const std::vector<std::string>& args, Pred ready, int sig, const fs::path& out,
               const fs::path& err, int* rc) {
  const pid_t child = mp::testing::spawn_memprobe(args, out, err);
  int exit_code = -1;
  const bool got = wait_for(child, ready, std::chrono::seconds(60), &exit_code);
  ::kill(child, sig);
  *rc = mp::testing::wait_child(child);
  return got;
}

std::vector<fs::path> temp_files_under(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE(
    "reliability: SIGKILL at random times and --resume end bit-identical to an "
    "uninterrupted run",
    "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  MP_REQUIRE_BINARY(bin);
  TempDir tmp;
  std::vector<std::string> base = mp::testing::small_train_args(data_root);
  base[base.size() - 3] = "4";  // --max-epochs 4
  // Every optimizer state kept, so that each one can be compared with the uninterrupted run's.
  base = with(base, {"--checkpoints", "all", "--keep-optim", "all"});
  const fs::path ref = tmp / "ref", run = tmp / "run";

  const auto t0 = Clock::now();
  const int ref_rc = mp::testing::wait_child(mp::testing::spawn_memprobe(
      with(base, {"--out", ref.string()}), tmp / "ref.out", tmp / "ref.err"));
  INFO(mp::testing::read_text(tmp / "ref.err"));
  REQUIRE(ref_rc == 0);
  const double T = std::chrono::duration<double>(Clock::now() - t0).count();

  // Kill at uniformly random times in the first quarter of one uninterrupted run's duration
  // (process start, data loading, training, evaluation, checkpoint and manifest writes all get
  // hit; a restart spends part of it loading data again), each restart with --resume, up to 12
  // times; then let it finish. A quarter (not half) so that, even when a loaded machine makes
  // start-up a large share of T, several kills land before the run completes.
  std::mt19937 gen(20260131);
  std::uniform_real_distribution<double> delay(0.0, T / 4);
  const int kMaxKills = 12;
  int kills = 0, starts = 0, rc = -1;
  std::ostringstream phases;
  while (true) {
    std::vector<std::string> args = with(base, {"--out", run.string()});
    if (starts > 0) args.push_back("--resume");
    const fs::path err = tmp / ("start" + std::to_string(starts) + ".err");
    const pid_t pid = mp::testing::spawn_memprobe(args, tmp / "start.out", err);
    ++starts;
    if (kills >= kMaxKills) {
      rc = mp::testing::wait_child(pid);
      break;
    }
    const double d = delay(gen);
    int exit_code = -1;
    const bool running = wait_for(
        pid, [] { return false; }, std::chrono::duration<double>(d), &exit_code);
    (void)running;
    if (exit_code >= 0) {  // finished (or failed) before the kill
      rc = exit_code;
      INFO(mp::testing::read_text(err));
      REQUIRE(rc == 0);
      break;
    }
    ::kill(pid, SIGKILL);
    const int killed = mp::testing::wait_child(pid);
    if (killed == 0) {  // it finished in the instant between the poll and the kill
      rc = 0;
      break;
    }
    REQUIRE(killed == 128 + SIGKILL);
    ++kills;
    phases << " " << std::fixed;
    phases.precision(2);
    phases << d << "s/" << listed_checkpoints(run).size() << "ckpt";
  }
  INFO(mp::testing::read_text(tmp / ("start" + std::to_string(starts - 1) + ".err")));
  REQUIRE(rc == 0);
  std::cout << "kill/resume cycles survived: " << kills << " (" << starts
            << " starts; kill time/checkpoints listed at the kill:" << phases.str()
            << "; one uninterrupted run takes " << T << " s)\n";
  CHECK(kills >= 3);

  // Bit-identical: every checkpoint (model and optimizer state), the labels, the metrics.
  RunDir a = RunDir::open(ref), b = RunDir::open(run);
  REQUIRE(a.checkpoint_epochs() == std::vector<int>{0, 1, 2, 3, 4});
  REQUIRE(b.checkpoint_epochs() == a.checkpoint_epochs());
  for (int e : a.checkpoint_epochs()) {
    INFO("epoch " << e);
    CHECK(mp::testing::file_sha256(b.checkpoint_path(e)) ==
          mp::testing::file_sha256(a.checkpoint_path(e)));
    CHECK(mp::testing::file_sha256(b.optim_path(e)) == mp::testing::file_sha256(a.optim_path(e)));
  }
  CHECK(mp::testing::read_text(b.labels_csv()) == mp::testing::read_text(a.labels_csv()));
  const auto ma = read_metrics_csv(a.metrics_csv()), mb = read_metrics_csv(b.metrics_csv());
  REQUIRE(ma.size() == mb.size());
  for (size_t i = 0; i < ma.size(); ++i) {
    CHECK(mb[i].epoch == ma[i].epoch);
    CHECK(mb[i].loss == ma[i].loss);
    CHECK(std::isnan(mb[i].train_acc_running) == std::isnan(ma[i].train_acc_running));
    if (!std::isnan(ma[i].train_acc_running))
      CHECK(mb[i].train_acc_running == ma[i].train_acc_running);
    CHECK(mb[i].train_acc_corrupted == ma[i].train_acc_corrupted);
    CHECK(mb[i].train_acc_true == ma[i].train_acc_true);
    CHECK(mb[i].test_acc == ma[i].test_acc);
  }
  const Manifest man_a = a.read_manifest(), man_b = b.read_manifest();
  CHECK(man_b.status() == "finished");
  CHECK(man_b.final_epoch() == man_a.final_epoch());
  CHECK(man_b.str("labels_sha256") == man_a.str("labels_sha256"));
  const auto ca = man_a.checkpoints(), cb = man_b.checkpoints();
  REQUIRE(cb.size() == ca.size());  // every checkpoint on disk is listed, none twice
  for (const auto& [e, entry] : ca) CHECK(cb.at(e).sha256 == entry.sha256);
  CHECK(temp_files_under(run).empty());  // nothing half-written left behind

  // And the audit re-derives it (same thread count as the runs: exact accuracies).
  set_num_threads(2);
  std::ostringstream log;
  const AuditReport rep = audit_run(run, AuditOptions(), log);
  INFO(format_audit(rep));
  CHECK(rep.ok());
}

TEST_CASE("reliability: two processes on one run directory - the second refuses",
          "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_REQUIRE_BINARY(bin);
  TempDir tmp;
  const fs::path run = tmp / "run";

  SECTION("this process holds the lock; a memprobe process is refused and writes nothing") {
    RunDir d = RunDir::create(run);
    d.lock("test");
    const int rc = mp::testing::wait_child(mp::testing::spawn_memprobe(
        with(mp::testing::small_train_args(data_root), {"--out", run.string()}), tmp / "o",
        tmp / "e"));
    const std::string err = mp::testing::read_text(tmp / "e");
    INFO(err);
    CHECK(rc == 1);
    CHECK(mp::testing::one_error_line(err));
    CHECK(err.find("in use by pid=" + std::to_string(::getpid())) != std::string::npos);
    CHECK_FALSE(fs::exists(run / "manifest.json"));
    CHECK_FALSE(fs::exists(run / "labels.csv"));
    CHECK(fs::is_empty(run / "checkpoints"));
  }

  SECTION("a memprobe process is training; this process is refused and changes nothing") {
    std::vector<std::string> args = mp::testing::small_train_args(data_root);
    args[args.size() - 3] = "50";  // long enough to still be running when we knock
    const pid_t child =
        mp::testing::spawn_memprobe(with(args, {"--out", run.string()}), tmp / "o", tmp / "e");
    int exit_code = -1;
    const bool started = wait_for(
        child, [&] { return !listed_checkpoints(run).empty(); }, std::chrono::seconds(60),
        &exit_code);
    INFO(mp::testing::read_text(tmp / "e"));
    REQUIRE(started);
    const std::string manifest_before = mp::testing::read_text(run / "manifest.json");
    TrainConfig c = mp::testing::small_config(data_root);
    c.max_epochs = 50;
    TrainOptions o;
    o.resume = true;
    std::ostringstream log;
    std::string error;
    try {
      train_run(c, run, o, log);
    } catch (const mp::Error& e) {
      error = e.what();
    }
    // An audit of a run that is being written is refused too.
    std::ostringstream alog;
    const AuditReport rep = audit_run(run, AuditOptions(), alog);
    ::kill(child, SIGKILL);
    mp::testing::wait_child(child);
    CHECK_THAT(error, Catch::Contains("in use by pid=" + std::to_string(child)) &&
                          Catch::Contains("refusing to train"));
    REQUIRE_FALSE(rep.checks.empty());
    CHECK(rep.checks[0].name == "manifest");
    CHECK(rep.checks[0].status == AuditStatus::Fail);
    CHECK_THAT(rep.checks[0].detail, Catch::Contains("in use by pid=" + std::to_string(child)));
    CHECK_FALSE(rep.ok());
    (void)manifest_before;
  }
}

TEST_CASE("reliability: an interrupted run is refused without --resume and with other settings",
          "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_REQUIRE_BINARY(bin);
  TempDir tmp;
  const fs::path run = tmp / "run";
  const std::vector<std::string> args = fifty_epoch_args(data_root, run);
  int rc = -1;
  const bool got = stop_when(
      args, [&] { return listed_checkpoints(run).count(1) > 0; }, SIGKILL, tmp / "o", tmp / "e",
      &rc);
  INFO(mp::testing::read_text(tmp / "e"));
  REQUIRE(got);
  const std::string manifest = mp::testing::read_text(run / "manifest.json");

  // No --resume: refused, naming the state and both ways out.
  mp::testing::CliResult r = mp::testing::run_cli_capture(args);
  INFO(r.err);
  CHECK(r.rc == 1);
  CHECK(mp::testing::one_error_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("unfinished run") && Catch::Contains("--resume") &&
                        Catch::Contains("--force"));
  // --resume with another learning rate: refused, naming both values.
  r = mp::testing::run_cli_capture(with(args, {"--resume", "--lr", "0.01"}));
  INFO(r.err);
  CHECK(r.rc == 1);
  CHECK(mp::testing::one_error_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("lr = 0.001") && Catch::Contains("0.01"));
  // ... or another corruption level.
  std::vector<std::string> other = args;
  *(std::find(other.begin(), other.end(), "--corrupt") + 1) = "0.2";
  r = mp::testing::run_cli_capture(with(other, {"--resume"}));
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Catch::Contains("corrupt = 0.4"));
  // Nothing was touched by the refusals.
  CHECK(mp::testing::read_text(run / "manifest.json") == manifest);
}

TEST_CASE("reliability: a run stopped by SIGINT says interrupted, and running again once resumed",
          "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_REQUIRE_BINARY(bin);
  TempDir tmp;
  const fs::path run = tmp / "run";
  const std::vector<std::string> args = fifty_epoch_args(data_root, run);
  int rc = -1;
  // SIGINT stops after the epoch in progress, as Ctrl-C does.
  bool got = stop_when(
      args, [&] { return listed_checkpoints(run).count(2) > 0; }, SIGINT, tmp / "o1", tmp / "e1",
      &rc);
  INFO(mp::testing::read_text(tmp / "e1"));
  REQUIRE(got);
  CHECK(rc == 1);
  CHECK_THAT(mp::testing::read_text(tmp / "e1"), Catch::Contains("interrupted during epoch"));
  CHECK(Manifest::load((run / "manifest.json").string()).status() == "interrupted");
  const int last = listed_checkpoints(run).rbegin()->first;

  // Resumed, then killed outright (no chance to write anything): the manifest must not still
  // say "interrupted" from the sitting before - `memprobe status` and `report` read it.
  got = stop_when(
      with(args, {"--resume"}), [&] { return listed_checkpoints(run).rbegin()->first > last; },
      SIGKILL, tmp / "o2", tmp / "e2", &rc);
  INFO(mp::testing::read_text(tmp / "e2"));
  REQUIRE(got);
  const Manifest m = Manifest::load((run / "manifest.json").string());
  CHECK(m.status() == "running");
  CHECK(m.json()["finished"].is_null());
  CHECK(m.json()["stop_reason"].is_null());

  const mp::testing::CliResult r = mp::testing::run_cli_capture({"status", run.string()});
  CHECK(r.rc == 0);
  CHECK_THAT(r.out, Catch::Contains("stopped (running)") && Catch::Contains("train (resume)") &&
                        Catch::Contains("--resume"));
}
