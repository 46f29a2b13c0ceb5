#pragma once
// Splitting a study into independent jobs for a cluster (docs/cluster.md). Each job is one
// (preset, level, seed) and one self-contained shell line, so a jobs file runs unchanged under
// GNU parallel (`parallel -j N < jobs.txt`) or as a Slurm array (line $SLURM_ARRAY_TASK_ID).
// Every job writes its own output directory; `memprobe report --runs DIR` gathers them.
#include <cstdint>
#include <string>
#include <vector>

namespace mp::app {

struct JobGrid {
  std::vector<std::string> presets;
  std::vector<double> levels;
  std::vector<uint32_t> seeds;
  std::string out_dir;                  // made absolute by make_jobs
  std::string memprobe = "memprobe";    // the executable each job runs
  std::vector<std::string> extra_args;  // appended to every command, e.g. {"--threads", "4"}
};

struct Job {
  std::string name;     // "<preset>-p<level>-s<seed>"
  std::string out;      // absolute output directory of the job: <out_dir>/<name>
  std::string command;  // one shell line, no trailing newline
};

// Presets x levels x seeds in that nesting order. Throws mp::Error on an empty grid, a level
// outside [0, 1] or an empty out_dir.
std::vector<Job> make_jobs(const JobGrid& grid);
// One command per line (line i = job i, no header: Slurm array task i runs `sed -n ip`),
// written atomically. Returns the number of jobs.
size_t write_jobs_file(const std::string& path, const JobGrid& grid);
// Path of the running executable (/proc/self/exe), or "memprobe" when it cannot be read.
std::string self_executable();

}  // namespace mp::app
