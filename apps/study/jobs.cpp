#include "apps/study/jobs.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "apps/report/summary.h"
#include "apps/run/manifest.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::app {

namespace fs = std::filesystem;

std::vector<Job> make_jobs(const JobGrid& g) {
  MP_CHECK(!g.presets.empty(), "jobs: no preset given");
  MP_CHECK(!g.levels.empty(), "jobs: no corruption level given");
  MP_CHECK(!g.seeds.empty(), "jobs: no seed given");
  MP_CHECK(!g.out_dir.empty(), "jobs: no output directory given");
  // Cluster jobs start in arbitrary working directories: every path in a job is absolute.
  const fs::path out = fs::absolute(g.out_dir).lexically_normal();
  std::vector<Job> jobs;
  for (const auto& preset : g.presets) {
    MP_CHECK(!preset.empty(), "jobs: empty preset name");
    for (double level : g.levels) {
      MP_CHECK(std::isfinite(level) && level >= 0 && level <= 1,
               "jobs: corruption level " << level << " is not in [0, 1]");
      for (uint32_t seed : g.seeds) {
        Job j;
        j.name = preset + "-p" + level_string(level) + "-s" + std::to_string(seed);
        j.out = (out / j.name).string();
        std::vector<std::string> args = {
            g.memprobe,          "reproduce", "--preset",           preset,  "--levels",
            level_string(level), "--seeds",   std::to_string(seed), "--out", j.out};
        args.insert(args.end(), g.extra_args.begin(), g.extra_args.end());
        // The job's own log sits next to its results, so a failed array task can be read later.
        j.command = "mkdir -p " + shell_quote(j.out) + " && " + join_command_line(args) + " > " +
                    shell_quote(j.out + "/job.log") + " 2>&1";
        jobs.push_back(std::move(j));
      }
    }
  }
  return jobs;
}

size_t write_jobs_file(const std::string& path, const JobGrid& grid) {
  const std::vector<Job> jobs = make_jobs(grid);
  std::string text;
  for (const auto& j : jobs) text += j.command + "\n";
  write_file_atomic(path, text);
  return jobs.size();
}

std::string self_executable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("memprobe") : p.string();
}

}  // namespace mp::app
