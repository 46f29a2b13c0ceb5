// Helpers of test_train_fixture.h (no test cases here).
#include "test_train_fixture.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "apps/cli/commands.h"
#include "data/datasets.h"
#include "tensor/io/sha256.h"
#include "test_util.h"

namespace mp::testing {

namespace fs = std::filesystem;

std::string mnist_data_root() {
  const std::string d = real_data_dir("mnist");
  if (d.empty()) return "";
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (data::find_idx_file(d, f).empty()) return "";
  return fs::path(d).parent_path().string();
}

app::TrainConfig small_config(const std::string& data_root) {
  app::TrainConfig c;
  c.dataset = "mnist";
  c.model = "mlp";
  c.data_dir = data_root;
  c.corrupt = 0.4;
  c.train_subset = 300;
  c.test_subset = 500;
  c.max_epochs = 3;
  c.threads = 2;
  return c;
}

std::vector<std::string> small_train_args(const std::string& data_root) {
  return {"train",   "--dataset",    "mnist", "--model",        "mlp", "--data-dir",
          data_root, "--corrupt",    "0.4",   "--train-subset", "300", "--test-subset",
          "500",     "--max-epochs", "3",     "--threads",      "2"};
}

CliResult run_cli_capture(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliResult r;
  r.rc = app::run_cli(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream is(s);
  std::string l;
  while (std::getline(is, l)) lines.push_back(l);
  return lines;
}

std::vector<std::string> error_lines(const std::string& err) {
  std::vector<std::string> out;
  for (const std::string& l : split_lines(err))
    if (l.find(": error: ") != std::string::npos) out.push_back(l);
  return out;
}

bool one_error_line(const std::string& err) {
  const std::vector<std::string> lines = split_lines(err);
  if (lines.empty() || lines.size() > 2) return false;
  if (lines.back().rfind("memprobe", 0) != 0 || lines.back().find(": error: ") == std::string::npos)
    return false;
  return lines.size() == 1 || lines[0] == app::header_line();
}

std::string memprobe_binary() {
  const fs::path p = fs::path(MEMPROBE_BINARY_DIR) / "memprobe";
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : std::string();
}

pid_t spawn_memprobe(const std::vector<std::string>& args, const fs::path& out_file,
                     const fs::path& err_file) {
  const std::string bin = memprobe_binary();
  std::vector<std::string> argv_s = {bin};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    const int o = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string file_sha256(const fs::path& p) {
  return sha256_file(p.string());
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

}  // namespace mp::testing
