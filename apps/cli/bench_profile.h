#pragma once
// `memprobe bench --profile` and `--probes`: where a training step's time goes (per layer and
// per op, forward and backward, GEMM-bound layers next to raw cblas_sgemm on the same shapes),
// whether a steady-state step allocates (mp::alloc_stats) and whether RSS grows over many steps.
#include <cstdint>
#include <ostream>

#include "apps/cli/bench_workloads.h"

namespace mp::app {

struct ProfileOptions {
  int64_t profile_steps = 20;  // timed, profiled training steps (after warm-up)
  int64_t rss_steps = 1000;    // steps of the RSS-growth check
};

void print_profile(WorkloadRunner& r, const ProfileOptions& o, std::ostream& out);

// The probe benchmark (MASC + linear probe fit and scoring).
void run_probe_bench(std::ostream& out, std::ostream& err, int threads);

}  // namespace mp::app
