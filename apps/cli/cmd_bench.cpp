// `memprobe bench`: training and inference samples/s on the study's workloads, one line each in
// the PyTorch peer's format, so the two are compared as ratios measured in the same minute
// (docs/performance.md). --profile adds a per-layer / per-op breakdown next to the raw sgemm
// ceiling, allocation counts per step and RSS over 1,000 steps; --probes times the probe fit.
#include <algorithm>
#include <memory>
#include <sstream>

#include "apps/cli/bench_profile.h"
#include "apps/cli/bench_workloads.h"
#include "apps/cli/commands.h"
#include "apps/run/console.h"

namespace mp::app {

namespace {

struct BenchArgs {
  std::vector<std::string> only;
  int runs = 3;
  double seconds = 3.0;
  bool profile = false;
  bool probes = false;
  int64_t rss_steps = 1000;
  int64_t profile_steps = 20;
  int warmup = 5;
  int64_t infer_batch = WorkloadRunner::kInferBatch;
  int64_t sgemm_size = 1024;
  bool unfused = false;
};

std::vector<std::string> split_names(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::stringstream ss(a);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

int run_bench(CommandContext& ctx, const BenchArgs& a) {
  std::vector<std::string> names = split_names(a.only);
  if (names.empty())
    for (const BenchWorkload& w : bench_workloads()) names.push_back(w.name);
  for (const std::string& n : names) bench_workload(n);  // validate all before any work
  print_header(ctx);
  ctx.out << "# " << header_line() << '\n';
  // The ceiling every training rate is read against, measured in the same minute (machines of
  // one kind differ by 40 % in sgemm rate; docs/performance.md).
  const double ceiling = sgemm_gflops(a.sgemm_size);
  ctx.out << "# sgemm " << a.sgemm_size << "^3: " << format_fixed(ceiling, 1) << " GFLOP/s at "
          << ctx.threads << " thread(s)" << std::endl;
  RateOptions ro;
  ro.runs = a.runs;
  ro.seconds = a.seconds;
  ro.warmup = a.warmup;
  for (const std::string& n : names) {
    WorkloadRunner r(bench_workload(n), 0, a.infer_batch, !a.unfused);
    const WorkloadRates rates = measure_workload(r, ro);
    ctx.out << rate_line(n, ctx.threads, rates) << std::endl;
    const StepGemms g = training_step_gemms(r);
    const double gflops = rates.train * g.flops_per_sample * 1e-9;
    ctx.out << "# " << n << " training: " << format_fixed(g.flops_per_sample * 1e-6, 1)
            << " MFLOP of GEMM work per sample -> " << format_fixed(gflops, 1) << " GFLOP/s, "
            << format_fixed(100.0 * gflops / ceiling, 0) << " % of sgemm" << std::endl;
    // The step's own products (batch-sized, some with an inner dimension of only the batch) as
    // bare calls of this sgemm: they run well below a large square one, and code that calls this
    // sgemm for them cannot train faster than those calls alone. memprobe's own thin and conv
    // kernels can (training then reaches over 100 % of it), so it is not a hardware limit.
    const double own = g.ceiling_samples_per_s();
    const double own_gflops = own * g.flops_per_sample * 1e-9;
    ctx.out << "# " << n << " ceiling at the step's own GEMM shapes: raw cblas_sgemm runs them in "
            << format_fixed(g.raw_step_seconds * 1e3, 3) << " ms per step of " << g.batch << " = "
            << format_fixed(own, 1) << " samples/s (" << format_fixed(own_gflops, 1) << " GFLOP/s, "
            << format_fixed(100.0 * own_gflops / ceiling, 0) << " % of sgemm); training reaches "
            << format_fixed(100.0 * rates.train / own, 0) << " % of it" << std::endl;
    // The update's memory traffic beside the GEMMs. A step that runs its products and then each
    // layer's update cannot train faster than the two taken alone one after the other; one that
    // overlapped them perfectly (the update streams memory while the products compute) no
    // faster than the slower of the two.
    const UpdateFloor u = update_floor(r);
    const auto share = [&](double rate) {
      return format_fixed(100.0 * rate * g.flops_per_sample * 1e-9 / ceiling, 0) + " % of sgemm";
    };
    const double batch = static_cast<double>(g.batch);
    const double serial = batch / (g.raw_step_seconds + u.seconds);
    const double overlapped = batch / std::max(g.raw_step_seconds, u.seconds);
    ctx.out << "# " << n << " update floor: " << r.workload().optimizer << " over "
            << format_fixed(static_cast<double>(u.parameters) * 1e-6, 2) << " M parameters moves "
            << format_fixed(static_cast<double>(u.bytes) * 1e-6, 1) << " MB per step, "
            << format_fixed(u.seconds * 1e3, 3) << " ms alone ("
            << format_fixed(u.gbytes_per_s(), 1) << " GB/s); GEMMs then update "
            << format_fixed(serial, 1) << " samples/s (" << share(serial) << "), overlapped "
            << format_fixed(overlapped, 1) << " samples/s (" << share(overlapped)
            << "); training reaches " << format_fixed(100.0 * rates.train / serial, 0)
            << " % of the first" << std::endl;
    if (a.profile) {
      ProfileOptions po;
      po.rss_steps = a.rss_steps;
      po.profile_steps = a.profile_steps;
      print_profile(r, po, ctx.out);
    }
  }
  if (a.probes) run_probe_bench(ctx.out, ctx.err, ctx.threads);
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Training and inference samples/s on the study's workloads (same lines as the PyTorch "
      "peer bench/torch_peer.py; compare the two in the same minute)");
  auto a = std::make_shared<BenchArgs>();
  cmd->add_option("--only", a->only,
                  "Workloads, comma-separated: mlp-mnist, cnn-mnist, cnn-cifar (default: all)");
  cmd->add_option("--runs", a->runs, "Timed runs per measurement; the median is printed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "Length of one timed run, seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--profile", a->profile,
                "Also print time per layer and per op (forward/backward), GFLOP/s next to raw "
                "cblas_sgemm, allocations per step and RSS over --rss-steps steps");
  cmd->add_option("--rss-steps", a->rss_steps, "Training steps of the --profile RSS check")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--profile-steps", a->profile_steps,
                  "Training steps timed op by op for --profile (best of them is shown)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Untimed calls before each measurement")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--infer-batch", a->infer_batch,
                  "Inference batch (the peer uses 1000; smaller only for quick checks)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--sgemm-size", a->sgemm_size,
                  "n of the n x n x n cblas_sgemm measured first as the machine's ceiling")
      ->check(CLI::Range(int64_t{16}, int64_t{8192}))
      ->capture_default_str();
  cmd->add_flag("--unfused", a->unfused,
                "Step SGD after the backward pass instead of inside it (as memprobe train does; "
                "bit-identical results): compares the two in one binary");
  cmd->add_flag("--probes", a->probes,
                "Also time the MASC + linear probe fit and scoring (60,000 x 2,048 synthetic)");
  set_action(cmd, [a](CommandContext& ctx) { return run_bench(ctx, *a); });
}

}  // namespace mp::app
