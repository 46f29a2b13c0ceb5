// Faults during training on real MNIST: divergence (NaN/Inf), a read-only output directory, a
// disk that fills up while a checkpoint is written. Each must give one clear error, leave no
// partial file under a final name, and keep the last good checkpoint usable.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <sstream>

#include "apps/run/metrics_log.h"
#include "apps/run/run_model.h"
#include "apps/run/trainer.h"
#include "apps/study/audit.h"
#include "probes/model_eval.h"
#include "tensor/check.h"
#include "tensor/threads.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> temp_files_under(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->path().filename().string().find(".tmp.") != std::string::npos)
      out.push_back(it->path());
  return out;
}

}  // namespace

TEST_CASE(
    "reliability: a diverging run stops naming epoch and batch, the last good checkpoint "
    "stays usable",
    "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  std::vector<std::string> args = mp::testing::small_train_args(data_root);
  args.insert(args.end(), {"--lr", "1e6", "--out", run.string()});
  const mp::testing::CliResult r = mp::testing::run_cli_capture(args);
  INFO(r.err);
  CHECK(r.rc == 1);
  // Training logs its epochs to stderr; the error is the one and last error line after them.
  REQUIRE(mp::testing::error_lines(r.err).size() == 1);
  const std::string line = mp::testing::error_lines(r.err).at(0);
  CHECK(mp::testing::split_lines(r.err).back() == line);
  CHECK_THAT(line, Catch::Contains("training diverged") && Catch::Contains("at epoch 1, batch ") &&
                       Catch::Contains("last good checkpoint"));

  const Manifest m = Manifest::load((run / "manifest.json").string());
  CHECK(m.status() == "failed");
  CHECK(m.final_epoch() == 0);
  // The reason recorded in the manifest names the same batch as the message.
  const std::string reason = m.str("stop_reason");
  CHECK_THAT(reason, Catch::StartsWith("non-finite loss at epoch 1, batch "));
  CHECK_THAT(line, Catch::Contains(reason.substr(reason.find("epoch")) + " (lr 1e+06)"));
  // Only the epoch-0 checkpoint exists; it matches the manifest, loads, and reproduces the
  // logged accuracy.
  RunDir d = RunDir::open(run);
  CHECK(d.checkpoint_epochs() == std::vector<int>{0});
  CHECK(temp_files_under(run).empty());
  set_num_threads(2);
  OpenedRun o = open_run(run, "last");  // verifies the sha256 against the manifest
  CHECK(o.epoch == 0);
  int64_t non_finite = 0;
  for (const auto& [name, p] : o.model->named_parameters())
    for (int64_t i = 0; i < p.data().numel(); ++i) non_finite += !std::isfinite(p.data().data()[i]);
  CHECK(non_finite == 0);
  const auto metrics = read_metrics_csv(d.metrics_csv());
  REQUIRE(metrics.size() == 1);
  const auto te = probes::evaluate_model(*o.model, o.data.test, data::Normalization());
  CHECK(probes::accuracy(te.predictions, o.data.test.labels) == metrics[0].test_acc);
}

TEST_CASE("reliability: a read-only output directory gives one clear error and writes nothing",
          "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path ro = tmp / "ro";
  fs::create_directories(ro / "existing");
  fs::permissions(ro / "existing", fs::perms::owner_read | fs::perms::owner_exec |
                                       fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read |
                          fs::perms::others_exec);
  // Root ignores permission bits: drop to an unprivileged effective uid for the attempts (as
  // tests/tensor/test_io_atomic_file.cpp does). Without CAP_SETUID: skip.
  bool dropped = false;
  if (::geteuid() == 0) {
    if (::seteuid(65534) != 0) {
      fs::permissions(ro, fs::perms::owner_all);
      fs::permissions(ro / "existing", fs::perms::owner_all);
      WARN("running as root without CAP_SETUID: cannot test a read-only directory");
      return;
    }
    dropped = true;
  }
  std::vector<mp::testing::CliResult> results;
  for (const fs::path& out : {ro / "new-run", ro / "existing", ro / "a" / "b" / "c"}) {
    std::vector<std::string> args = mp::testing::small_train_args(data_root);
    args.insert(args.end(), {"--out", out.string()});
    results.push_back(mp::testing::run_cli_capture(args));
  }
  if (dropped) REQUIRE(::seteuid(0) == 0);
  fs::permissions(ro, fs::perms::owner_all);
  fs::permissions(ro / "existing", fs::perms::owner_all);
  for (const auto& r : results) {
    INFO(r.err);
    CHECK(r.rc == 1);
    CHECK(mp::testing::one_error_line(r.err));
    CHECK_THAT(r.err, Catch::Contains("Permission denied") && Catch::Contains(ro.string()));
  }
  // Nothing was created anywhere under the read-only directory.
  std::vector<std::string> entries;
  for (const auto& e : fs::recursive_directory_iterator(ro))
    entries.push_back(fs::relative(e.path(), ro).string());
  CHECK(entries == std::vector<std::string>{"existing"});
}

TEST_CASE(
    "reliability: the disk filling up during a checkpoint leaves no partial file and the "
    "run resumes",
    "[apps][reliability][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  struct rlimit old_lim;
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_lim) == 0);
  if (old_lim.rlim_max != RLIM_INFINITY && old_lim.rlim_max < (64u << 20)) {
    WARN("RLIMIT_FSIZE hard limit too low to run this test");
    return;
  }
  TempDir tmp;
  const fs::path run = tmp / "run";
  // Adam's optimizer file holds two moments per parameter, twice the model file (5.4 M floats,
  // 21.7 MB for the MNIST MLP): a 32 MB file size limit lets the model file through and fails
  // the optimizer file part-way, the worst place (a model file without its optimizer state).
  TrainConfig c = mp::testing::small_config(data_root);
  c.optimizer = "adam";
  c.lr = 1e-3;
  c.max_epochs = 2;
  struct sigaction ignore = {}, old_sig;
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_sig) == 0);  // else the kernel kills us
  struct rlimit lim = old_lim;
  lim.rlim_cur = 32u << 20;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  std::string error;
  std::ostringstream log;
  try {
    train_run(c, run, {}, log);
  } catch (const mp::Error& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_lim);
  ::sigaction(SIGXFSZ, &old_sig, nullptr);
  INFO(log.str());
  CHECK_THAT(error,
             Catch::Contains("epoch_0000.optim.safetensors") && Catch::Contains("File too large"));
  CHECK(temp_files_under(run).empty());
  CHECK_FALSE(fs::exists(run / "checkpoints" / "epoch_0000.optim.safetensors"));
  // The manifest lists no checkpoint that is not complete.
  CHECK(Manifest::load((run / "manifest.json").string()).checkpoints().empty());

  // With space again, --resume finishes the run, equal to a run that never hit the limit.
  TrainOptions o;
  o.resume = true;
  std::ostringstream log2;
  const TrainOutcome done = train_run(c, run, o, log2);
  INFO(log2.str());
  CHECK(done.final_epoch == 2);
  std::ostringstream log3;
  train_run(c, tmp / "clean", {}, log3);
  for (const char* f :
       {"epoch_0000.safetensors", "epoch_0002.safetensors", "epoch_0002.optim.safetensors"})
    CHECK(mp::testing::file_sha256(run / "checkpoints" / f) ==
          mp::testing::file_sha256(tmp / "clean" / "checkpoints" / f));
  std::ostringstream alog;
  const AuditReport rep = audit_run(run, AuditOptions(), alog);
  INFO(format_audit(rep));
  CHECK(rep.ok());
}
