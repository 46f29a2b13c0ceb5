#pragma once
// The `memprobe` command dispatcher. main.cpp is a thin wrapper over run_cli(), so tests run
// commands in-process and check exit codes and output.
//
// Adding a command: write `void add_xxx_command(CLI::App& app)` that creates the subcommand,
// declares its flags (each with a description; defaults are shown by --help) and attaches the
// work with set_action(); declare it below and append one line to add_all_commands() in
// commands.cpp.
//
// Errors: an action reports failure by throwing mp::Error (exit 1) or UsageError (exit 2, a
// wrong combination of flags found after parsing); run_cli prints exactly one line
// "memprobe <cmd>: error: <message>" to stderr. CLI11 parse errors exit 2 the same way.
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "tensor/check.h"

namespace mp::app {

class UsageError : public mp::Error {
 public:
  using mp::Error::Error;
};

struct CommandContext {
  std::ostream& out;           // results (tables, paths written)
  std::ostream& err;           // header, progress, warnings
  std::string name;            // "memprobe data fetch"
  int threads = 1;             // the thread count in force (after --threads was applied)
  bool threads_given = false;  // --threads was on the command line (not a default)
  std::string command_line;    // "memprobe train --dataset mnist ..." (shell-quoted; for manifests)
};
using CommandAction = std::function<int(CommandContext&)>;  // returns the exit code

// Runs `action` when `cmd` is the innermost subcommand on the command line, after parsing
// succeeded and --threads was applied.
void set_action(CLI::App* cmd, CommandAction action);

// The --help footer of every command that writes a run's analysis files, so --help says what a
// refusal will say (docs/formats.md, "Run directory").
inline constexpr const char* kAnalysisLockHelp =
    "One analysis writes a run at a time (RUN/.analysis.lock; a second is refused naming the "
    "first); a run that is still training can be analysed.";

// "memprobe 0.1.0 (commit 1a2b3c4d5e6f)"
std::string version_string();
// One line for the top of every long-running command's output and log:
// "memprobe 0.1.0 (commit ...) | <runtime_info()>"
std::string header_line();
void print_header(CommandContext& ctx);

// CPUs this process may run on (affinity mask; what a Slurm allocation gives), at least 1.
int available_cpus();

// The dispatcher. `args` excludes the program name.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// The same over another command tree (tests inject commands through it).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            const std::function<void(CLI::App&)>& add_commands);
int run_cli(int argc, char** argv);  // std::cout / std::cerr

// Builds the whole command tree (used by run_cli; exposed for tests of --help).
void add_all_commands(CLI::App& app);

// The commands. Each adds one subcommand (with its own subcommands) to `app`.
void add_info_command(CLI::App& app);    // cmd_info.cpp
void add_data_command(CLI::App& app);    // cmd_data.cpp
void add_report_command(CLI::App& app);  // cmd_report.cpp
void add_train_command(CLI::App& app);   // cmd_train.cpp (train, eval)
void add_probe_commands(CLI::App& app);  // cmd_probe.cpp (probe, activations, transfer, dynamics)
void add_probe_arrays_command(CLI::App& app);  // cmd_probe_arrays.cpp (probe-arrays)
void add_audit_command(CLI::App& app);         // cmd_audit.cpp
void add_reproduce_command(CLI::App& app);     // cmd_reproduce.cpp
void add_bench_command(CLI::App& app);         // cmd_bench.cpp (bench)
void add_relabel_commands(CLI::App& app);      // cmd_relabel.cpp (relabel, clean-control)
void add_status_command(CLI::App& app);        // cmd_status.cpp (status)

// (dataset name, "present ..." / "not fetched (...; run: memprobe data fetch NAME)") for each
// study dataset in `data_dir`, judged by file presence (cmd_data.cpp; used by `info`).
std::vector<std::pair<std::string, std::string>> dataset_presence(const std::string& data_dir);

}  // namespace mp::app
