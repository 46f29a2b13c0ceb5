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

// The machine's ceiling: GFLOP/s of cblas_sgemm C = A B on n x n x n (row-major, beta 0, best
// of several calls) at the thread count in force.
double sgemm_gflops(int64_t n);

// GEMM floating-point operations of one training step per sample: 2mnk for every forward and
// backward product of each linear and conv layer (the weight gradient, and the input gradient
// where the layer needs one), as the profiler records them. Elementwise work is not counted, so
// rate x this / sgemm_gflops is the share of the GEMM ceiling the training step reaches.
double training_gemm_flops_per_sample(WorkloadRunner& r);

// The probe benchmark (MASC + linear probe fit and scoring).
void run_probe_bench(std::ostream& out, std::ostream& err, int threads);

}  // namespace mp::app
