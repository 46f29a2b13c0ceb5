// The dispatcher: --help / --version, exit codes (0 ok, 1 runtime error, 2 usage error) and the
// one-line error format "memprobe <cmd>: error: <message>".
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/cli/commands.h"
#include "memprobe_version.h"
#include "tensor/threads.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::TempDir;

namespace {

// memprobe's dispatcher in-process, its exit code and both output streams captured.
using Result = mp::testing::CliResult;
Result run(const std::vector<std::string>& args) {
  return mp::testing::run_cli_capture(args);
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// The last line of stderr, which must be the error line.
std::string last_line(const std::string& s) {
  std::string t = s;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  const size_t p = t.rfind('\n');
  return p == std::string::npos ? t : t.substr(p + 1);
}

}  // namespace

TEST_CASE("cli: --help lists the commands and exits 0", "[apps][cli]") {
  const Result r = run({"--help"});
  CHECK(r.rc == 0);
  for (const char* c : {"info", "data", "report", "--threads", "--version"})
    CHECK(r.out.find(c) != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("cli: every subcommand's --help explains its flags and defaults", "[apps][cli]") {
  const Result d = run({"data", "--help"});
  CHECK(d.rc == 0);
  for (const char* c : {"fetch", "verify", "convert", "labels"})
    CHECK(d.out.find(c) != std::string::npos);
  const Result l = run({"data", "labels", "--help"});
  CHECK(l.rc == 0);
  for (const char* c :
       {"--corrupt", "--seed", "--corruption", "--out", "--data-dir", "42", "random"})
    CHECK(l.out.find(c) != std::string::npos);
  const Result rep = run({"report", "--help"});
  CHECK(rep.rc == 0);
  for (const char* c : {"--runs", "--out", "--gnuplot", "auto"})
    CHECK(rep.out.find(c) != std::string::npos);
}

TEST_CASE("cli: --version prints version and commit", "[apps][cli]") {
  const Result r = run({"--version"});
  CHECK(r.rc == 0);
  CHECK(r.out.find(std::string("memprobe ") + MEMPROBE_VERSION) != std::string::npos);
  CHECK(r.out.find(MEMPROBE_GIT_COMMIT) != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2 with one line naming the command", "[apps][cli]") {
  SECTION("unknown command") {
    const Result r = run({"frobnicate"});
    CHECK(r.rc == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.rfind("memprobe: error: ", 0) == 0);
  }
  SECTION("no command") {
    const Result r = run({});
    CHECK(r.rc == 2);
    CHECK(r.err.rfind("memprobe: error: ", 0) == 0);
  }
  SECTION("missing required option") {
    const Result r = run({"report"});
    CHECK(r.rc == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.rfind("memprobe report: error: ", 0) == 0);
    CHECK(r.err.find("--runs") != std::string::npos);
  }
  SECTION("group without subcommand") {
    const Result r = run({"data"});
    CHECK(r.rc == 2);
    CHECK(r.err.rfind("memprobe data: error: ", 0) == 0);
  }
  SECTION("bad value") {
    const Result r = run({"data", "fetch", "imagenet"});
    CHECK(r.rc == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.rfind("memprobe data fetch: error: ", 0) == 0);
    CHECK(r.err.find("imagenet") != std::string::npos);
  }
  SECTION("out-of-range corruption level") {
    const Result r = run({"data", "labels", "--corrupt", "1.5"});
    CHECK(r.rc == 2);
    CHECK(r.err.rfind("memprobe data labels: error: ", 0) == 0);
  }
  SECTION("negative --threads") {
    const Result r = run({"--threads", "-2", "info"});
    CHECK(r.rc == 2);
    CHECK(r.err.find("--threads") != std::string::npos);
  }
}

TEST_CASE("cli: runtime errors exit 1 with one error line after the header", "[apps][cli]") {
  TempDir tmp;  // exists but holds no run
  const Result r = run({"report", "--runs", tmp.path().string(), "--gnuplot", "none"});
  CHECK(r.rc == 1);
  const std::string line = last_line(r.err);
  CHECK(line.rfind("memprobe report: error: no runs found under ", 0) == 0);
  CHECK(r.err.rfind("memprobe ", 0) == 0);  // header first
  CHECK(count_lines(r.err) == 2);           // header + error, nothing else
  // A BLAS kernel older than the CPU is named on the header line itself, nowhere else.
  CHECK((r.err.find("| warning: OpenBLAS did not recognise this CPU") != std::string::npos) ==
        !mp::blas_core_advice().empty());

  // A data command on an empty data dir: the error names the fetch command to run.
  const Result d = run({"data", "labels", "--dataset", "mnist", "--corrupt", "0.4", "--data-dir",
                        tmp.path().string()});
  CHECK(d.rc == 1);
  CHECK(last_line(d.err).rfind("memprobe data labels: error: ", 0) == 0);
  CHECK(d.err.find("memprobe data fetch mnist") != std::string::npos);
}

TEST_CASE("cli: --threads may follow the subcommand and is applied", "[apps][cli]") {
  TempDir tmp;
  const Result r = run({"info", "--threads", "1", "--data-dir", tmp.path().string()});
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("threads: 1 ") != std::string::npos);
  CHECK(r.out.find("not fetched") != std::string::npos);
  CHECK(r.out.find("memprobe data fetch cifar10") != std::string::npos);
}

TEST_CASE("cli: info reports a dataset whose files are present", "[apps][cli]") {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "mnist");
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    mp::testing::write_file(tmp / "mnist" / f, {1, 2, 3});
  const Result r = run({"info", "--data-dir", tmp.path().string()});
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("mnist          present") != std::string::npos);
  CHECK(r.out.find("fashion-mnist  not fetched") != std::string::npos);
}

TEST_CASE(
    "cli: actions get the command line, the name and the thread count, their errors "
    "are formatted",
    "[apps][cli]") {
  std::string line, name;
  int threads = 0;
  auto add = [&](CLI::App& app) {
    auto* grp = app.add_subcommand("grp", "a group");
    auto* sub = grp->add_subcommand("sub", "a command");
    auto mode = std::make_shared<std::string>();
    sub->add_option("--mode", *mode, "ok | fail | usage");
    set_action(sub, [&, mode](CommandContext& ctx) {
      line = ctx.command_line;
      name = ctx.name;
      threads = ctx.threads;
      if (*mode == "fail") MP_FAIL("it broke\non two lines");
      if (*mode == "usage") throw UsageError("--mode usage needs --other");
      return 7;
    });
  };
  std::ostringstream out, err;
  CHECK(run_cli({"grp", "sub", "--mode", "ok", "--threads", "1"}, out, err, add) == 7);
  CHECK(line == "memprobe grp sub --mode ok --threads 1");
  CHECK(name == "memprobe grp sub");
  CHECK(threads == 1);
  std::ostringstream out2, err2;
  CHECK(run_cli({"grp", "sub", "--mode", "fail"}, out2, err2, add) == 1);
  CHECK(err2.str() == "memprobe grp sub: error: it broke on two lines\n");
  std::ostringstream out3, err3;
  CHECK(run_cli({"grp", "sub", "--mode", "usage"}, out3, err3, add) == 2);
  CHECK(err3.str() ==
        "memprobe grp sub: error: --mode usage needs --other (see 'memprobe grp sub --help')\n");
  std::ostringstream out4, err4;
  CHECK(run_cli({"grp", "sub", "--mode", "a b"}, out4, err4, add) == 7);
  CHECK(line == "memprobe grp sub --mode 'a b'");
}
