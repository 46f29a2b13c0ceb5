#pragma once
// Shared by the training, reliability and audit tests: small real-MNIST runs, the CLI run
// in-process, and the built `memprobe` binary run as a child process (for kills and locks).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/run/train_config.h"

namespace mp::testing {

// The data dir (parent of mnist/) when real MNIST is there, else "".
std::string mnist_data_root();

// [realdata] tests start with this: WARN and return when MNIST has not been fetched.
#define MP_REQUIRE_MNIST(var)                                                                  \
  const std::string var = mp::testing::mnist_data_root();                                      \
  if (var.empty()) {                                                                           \
    WARN("real MNIST not fetched (memprobe data fetch mnist): skipping this [realdata] test"); \
    return;                                                                                    \
  }

// The longest training tests (hundreds of steps of a 5.4 M-parameter MLP) check numbers and
// crash safety, which the Release run covers; under AddressSanitizer they would take minutes
// each, so the sanitizer build skips them (the audit, fault and CLI tests still run there).
#if defined(__SANITIZE_ADDRESS__)
#define MP_SKIP_UNDER_SANITIZERS()                                                       \
  do {                                                                                   \
    WARN("long training test: skipped under AddressSanitizer (runs in Release builds)"); \
    return;                                                                              \
  } while (0)
#else
#define MP_SKIP_UNDER_SANITIZERS() \
  do {                             \
  } while (0)
#endif

// A small run: MLP on the first 300 training and 500 test images, p = 0.4, 3 epochs, 2 threads.
app::TrainConfig small_config(const std::string& data_root);
// The same as `memprobe train` arguments (without --out).
std::vector<std::string> small_train_args(const std::string& data_root);

struct CliResult {
  int rc = -1;
  std::string out, err;
};
CliResult run_cli_capture(const std::vector<std::string>& args);

std::vector<std::string> split_lines(const std::string& s);
// Lines of stderr containing ": error: ".
std::vector<std::string> error_lines(const std::string& err);
// True when stderr is exactly one error line, optionally preceded by the run header that every
// long-running command prints first ("memprobe <version> (commit ...) | ...").
bool one_error_line(const std::string& err);

// The memprobe binary of this build tree ("" if it has not been built).
std::string memprobe_binary();
// fork + exec of the binary with stdout/stderr redirected to files; returns the child's pid.
pid_t spawn_memprobe(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                     const std::filesystem::path& err_file);
// waitpid; returns the exit code, or 128 + signal for a child killed by a signal.
int wait_child(pid_t pid);

std::string file_sha256(const std::filesystem::path& p);
std::string read_text(const std::filesystem::path& p);
void write_text(const std::filesystem::path& p, const std::string& text);

}  // namespace mp::testing
