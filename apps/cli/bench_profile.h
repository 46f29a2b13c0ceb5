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

// The GEMM work of one training step: 2mnk for every forward and backward product of each
// linear and conv layer (the weight gradient, and the input gradient where the layer needs one),
// as the profiler records them, and the seconds raw cblas_sgemm takes for exactly those products
// (same shapes and orientations, one after the other, best of several calls each). Elementwise
// work (activations, pooling, loss, the optimizer update) is in neither. So
//   rate x flops_per_sample / sgemm_gflops  is the share of the large-sgemm ceiling reached, and
//   batch / raw_step_seconds                is the training rate of a step that did nothing but
//                                           its GEMMs at this BLAS's speed on their own shapes:
// an upper bound for any implementation that runs the step's products through this sgemm.
struct StepGemms {
  double flops_per_sample = 0;
  double raw_step_seconds = 0;
  int64_t batch = 0;
  double ceiling_samples_per_s() const {
    return raw_step_seconds > 0 ? static_cast<double>(batch) / raw_step_seconds : 0.0;
  }
};
StepGemms training_step_gemms(WorkloadRunner& r);

// The optimizer's share of a step's floor: the seconds of a bare update pass over every
// parameter of the model at the thread count in force, reading and writing each weight and each
// optimizer state once (SGD with momentum: weights and momenta, 16 bytes per parameter; Adam:
// weights and both moments, 24), the gradient taken from a block small enough to stay in cache,
// as the fused update finds it (best of several passes). That traffic is the part of a step no
// implementation of the optimizer avoids; for the MLP it is most of what lies between the
// step's GEMMs and its wall time.
struct UpdateFloor {
  int64_t parameters = 0;
  int64_t bytes = 0;  // moved per pass
  double seconds = 0;
  double gbytes_per_s() const {
    return seconds > 0 ? static_cast<double>(bytes) / seconds * 1e-9 : 0;
  }
};
UpdateFloor update_floor(WorkloadRunner& r);

// The probe benchmark (MASC + linear probe fit and scoring).
void run_probe_bench(std::ostream& out, std::ostream& err, int threads);

}  // namespace mp::app
