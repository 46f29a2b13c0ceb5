#include "apps/cli/commands.h"

#include <sched.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "apps/run/manifest.h"
#include "memprobe_version.h"
#include "tensor/threads.h"

namespace mp::app {

// Every command of the program. Append new ones here (one line each).
void add_all_commands(CLI::App& app) {
  add_info_command(app);
  add_data_command(app);
  add_report_command(app);
  add_train_command(app);
  add_probe_commands(app);
  add_probe_arrays_command(app);
  add_audit_command(app);
  add_reproduce_command(app);
  add_bench_command(app);
  add_relabel_commands(app);
  add_status_command(app);
}

namespace {

// Actions of the command tree currently being built/run. A map keyed by the subcommand
// object: CLI11's own callbacks run before the parent's options are applied, and we want
// --threads in force (and the header printed) before any work starts.
std::map<const CLI::App*, CommandAction>& actions() {
  static std::map<const CLI::App*, CommandAction> m;
  return m;
}

struct ActionRegistryScope {
  ActionRegistryScope() { actions().clear(); }
  ~ActionRegistryScope() { actions().clear(); }
};

CLI::App* innermost(CLI::App* app) {
  auto subs = app->get_subcommands();
  return subs.empty() ? app : innermost(subs.back());
}

std::string command_name(CLI::App* app) {
  std::vector<std::string> parts;
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) parts.push_back(a->get_name());
  std::string s;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) s += (s.empty() ? "" : " ") + *it;
  return s;
}

// Error messages must be one line: a multi-line message would be cut by `tail -1` style
// log scraping and is harder to grep.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

void set_action(CLI::App* cmd, CommandAction action) {
  actions()[cmd] = std::move(action);
}

std::string version_string() {
  return std::string("memprobe ") + MEMPROBE_VERSION + " (commit " + MEMPROBE_GIT_COMMIT + ")";
}

std::string header_line() {
  // A slow BLAS kernel is said on the header line itself: one line, so logs and the error
  // contract (header, then one error line) keep their shape.
  const std::string advice = blas_core_advice();
  return version_string() + " | " + runtime_info() +
         (advice.empty() ? std::string() : " | warning: " + advice);
}

void print_header(CommandContext& ctx) {
  ctx.err << header_line() << '\n';
  ctx.err.flush();
}

int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned h = std::thread::hardware_concurrency();
  return h > 0 ? static_cast<int>(h) : 1;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_cli(args, out, err, add_all_commands);
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            const std::function<void(CLI::App&)>& add_commands) {
  ActionRegistryScope scope;
  CLI::App app{
      "memprobe: memorization and latent generalization in deep networks, from scratch in C++.\n"
      "Train networks on partly randomised labels, probe their hidden layers (MASC, linear\n"
      "probe, NCM, logistic regression), edit weights, and report.",
      "memprobe"};
  app.set_version_flag("--version", version_string(),
                       "Print the version and git commit, then exit");
  app.option_defaults()->always_capture_default();
  // A flag given twice takes its last value (as in most command-line tools), so a script can
  // append an override to a base command line.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.get_formatter()->column_width(34);
  app.require_subcommand(1);
  // Options unknown to a subcommand fall through to the parent, so global options (--threads)
  // may be written before or after the subcommand.
  app.fallthrough();
  int threads = 0;
  app.add_option("--threads", threads,
                 "Threads for OpenMP loops and OpenBLAS (0 = every CPU this process may use; "
                 "OMP_NUM_THREADS is honoured when set)")
      ->check(CLI::NonNegativeNumber);
  add_commands(app);

  std::vector<std::string> argv_storage;
  argv_storage.reserve(args.size() + 1);
  argv_storage.push_back("memprobe");
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_storage) argv.push_back(s.data());

  std::string name = "memprobe";
  try {
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      name = command_name(innermost(&app));
      if (e.get_exit_code() == 0) return app.exit(e, out, err);  // --help, --version
      err << name << ": error: " << one_line(e.what()) << " (see '" << name << " --help')\n";
      return 2;
    }
    CLI::App* cmd = innermost(&app);
    name = command_name(cmd);
    auto it = actions().find(cmd);
    if (it == actions().end()) {
      // A command group ("memprobe data") given without its subcommand.
      err << name << ": error: choose a subcommand (see '" << name << " --help')\n";
      return 2;
    }
    if (threads > 0) {
      set_num_threads(threads);
    } else if (const char* e = std::getenv("OMP_NUM_THREADS"); e && *e) {
      // The OpenMP runtime already read it; keep BLAS consistent with it.
      set_num_threads(num_threads());
    } else {
      set_num_threads(available_cpus());
    }
    CommandContext ctx{out,
                       err,
                       name,
                       num_threads(),
                       app.get_option("--threads")->count() > 0,
                       join_command_line(argv_storage)};
    return it->second(ctx);
  } catch (const UsageError& e) {
    err << name << ": error: " << one_line(e.what()) << " (see '" << name << " --help')\n";
    return 2;
  } catch (const std::exception& e) {
    // mp::Error and anything the standard library throws (filesystem, bad_alloc, json).
    err << name << ": error: " << one_line(e.what()) << '\n';
    return 1;
  }
}

int run_cli(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return run_cli(args, std::cout, std::cerr);
}

}  // namespace mp::app
