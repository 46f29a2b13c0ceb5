#pragma once
// Running an external program (npm, apt-get) without a shell: fork + chdir + execvp, so no
// argument is ever re-parsed by /bin/sh. Output (stdout and stderr together) is captured.
#include <string>
#include <vector>

namespace mp::data {

struct ProcessResult {
  int exit_code = -1;  // the program's exit status; 128+N when killed by signal N; 127 when the
                       // program could not be started (not found / not executable)
  std::string output;  // stdout + stderr, interleaved as written
};

// argv[0] is looked up in PATH. cwd "" keeps the current directory. extra_env entries
// ("NAME=value") are added to the inherited environment.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& cwd,
                          const std::vector<std::string>& extra_env = {});

}  // namespace mp::data
