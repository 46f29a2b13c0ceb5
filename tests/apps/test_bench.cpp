// `memprobe bench`: every workload runs and prints exactly the PyTorch peer's line format
// (parsed here field by field); a steady-state training step allocates no new buffers; the
// profile prints its tables. No timing assertions: rates only have to be positive numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include "apps/cli/bench_workloads.h"
#include "apps/cli/commands.h"
#include "autograd/profiler.h"
#include "tensor/allocator.h"
#include "tensor/threads.h"
#include "test_train_fixture.h"

using namespace mp::app;

namespace {

// memprobe's dispatcher in-process, its exit code and both output streams captured.
using Result = mp::testing::CliResult;
Result run(const std::vector<std::string>& args) {
  return mp::testing::run_cli_capture(args);
}

// Lines of `s` that start with "workload=".
std::vector<std::string> workload_lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream is(s);
  std::string line;
  while (std::getline(is, line))
    if (line.rfind("workload=", 0) == 0) v.push_back(line);
  return v;
}

}  // namespace

TEST_CASE("bench: one line per workload in the peer's format", "[apps][bench]") {
  const Result r = run({"--threads", "1", "bench", "--runs", "1", "--seconds", "0.001", "--warmup",
                        "0", "--infer-batch", "4"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const std::vector<std::string> lines = workload_lines(r.out);
  REQUIRE(lines.size() == 3);
  // The peer's line: workload=NAME threads=T train_samples_per_s=X infer_samples_per_s=Y
  const std::regex re(R"(^workload=([a-z-]+) threads=(\d+) )"
                      R"(train_samples_per_s=(\d+\.\d) infer_samples_per_s=(\d+\.\d)$)");
  std::map<std::string, int> seen;
  for (const std::string& line : lines) {
    std::smatch m;
    INFO(line);
    REQUIRE(std::regex_match(line, m, re));
    seen[m[1]]++;
    CHECK(m[2] == "1");
    CHECK(std::stod(m[3]) > 0.0);
    CHECK(std::stod(m[4]) > 0.0);
  }
  CHECK(seen == std::map<std::string, int>{{"cnn-cifar", 1}, {"cnn-mnist", 1}, {"mlp-mnist", 1}});
  // The header names the BLAS runtime, as every long command's output does.
  CHECK(r.out.find("OpenBLAS") != std::string::npos);
}

TEST_CASE("bench: --only selects workloads, an unknown one is a one-line error", "[apps][bench]") {
  const Result r = run({"--threads", "1", "bench", "--only", "mlp-mnist", "--runs", "1",
                        "--seconds", "0.001", "--warmup", "0", "--infer-batch", "2"});
  REQUIRE(r.rc == 0);
  const std::vector<std::string> lines = workload_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("workload=mlp-mnist threads=1 ", 0) == 0);

  const Result bad = run({"bench", "--only", "mlp-mnist,resnet-imagenet"});
  CHECK(bad.rc == 1);
  CHECK(bad.err.find("unknown workload 'resnet-imagenet'") != std::string::npos);
  CHECK(workload_lines(bad.out).empty());  // validated before any work
}

TEST_CASE("bench: the sgemm ceiling and each workload's share of it", "[apps][bench]") {
  const Result r =
      run({"--threads", "1", "bench", "--only", "mlp-mnist", "--runs", "1", "--seconds", "0.001",
           "--warmup", "0", "--infer-batch", "2", "--sgemm-size", "256"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(# sgemm 256\^3: (\d+\.\d) GFLOP/s at 1 )")));
  CHECK(std::stod(m[1]) > 0.0);
  REQUIRE(std::regex_search(
      r.out, m,
      std::regex(R"(# mlp-mnist training: (\d+\.\d) MFLOP of GEMM work per sample -> )"
                 R"((\d+\.\d) GFLOP/s, (\d+) % of sgemm)")));
  // The count by hand: every Linear [out, in] does 2*in*out forward and 2*in*out for its weight
  // gradient; all but the first also 2*in*out for the gradient of their input.
  WorkloadRunner w(bench_workload("mlp-mnist"), 0, 2);
  double expected = 0;
  bool first = true;
  for (const auto& [name, t] : w.model().state_dict()) {
    if (t.shape().ndim() != 2) continue;  // biases
    const double io = static_cast<double>(t.shape()[0]) * static_cast<double>(t.shape()[1]);
    expected += (first ? 4.0 : 6.0) * io;
    first = false;
  }
  CHECK(std::stod(m[1]) == Approx(expected * 1e-6).margin(0.05));
  CHECK(std::stod(m[2]) > 0.0);
  const double mflop = std::stod(m[1]);

  // The ceiling at the step's own shapes: batch / (raw ms per step) samples/s, those samples
  // times the step's GEMM work in GFLOP/s, and the training rate's share of it, each re-derived
  // from the printed numbers.
  REQUIRE(std::regex_search(
      r.out, m,
      std::regex(R"(# mlp-mnist ceiling at the step's own GEMM shapes: raw cblas_sgemm runs them )"
                 R"(in (\d+\.\d{3}) ms per step of 32 = (\d+\.\d) samples/s \((\d+\.\d) GFLOP/s, )"
                 R"((\d+) % of sgemm\); training reaches (\d+) % of it)")));
  const double step_ms = std::stod(m[1]), own = std::stod(m[2]), own_gf = std::stod(m[3]);
  REQUIRE(step_ms > 0.0);
  CHECK(own == Approx(32.0 / (step_ms * 1e-3)).epsilon(0.002));  // ms printed to 3 decimals
  // GFLOP/s and GB/s are printed to one decimal: each check allows that rounding (0.05) on top.
  CHECK(own_gf == Approx(own * mflop * 1e-3).epsilon(0.01).margin(0.051));
  std::smatch t;
  REQUIRE(std::regex_search(r.out, t,
                            std::regex(R"(workload=mlp-mnist threads=1 )"
                                       R"(train_samples_per_s=(\d+\.\d) )")));
  CHECK(std::stod(m[5]) == Approx(100.0 * std::stod(t[1]) / own).margin(0.51));

  // The update floor: SGD with momentum moves 16 bytes per parameter (weights and momenta, read
  // and written); the two step rates follow from its ms and the GEMMs' ms above.
  REQUIRE(std::regex_search(
      r.out, m,
      std::regex(
          R"(# mlp-mnist update floor: sgd over (\d+\.\d\d) M parameters moves )"
          R"((\d+\.\d) MB per step, (\d+\.\d{3}) ms alone \((\d+\.\d) GB/s\); )"
          R"(GEMMs then update (\d+\.\d) samples/s \(\d+ % of sgemm\), overlapped )"
          R"((\d+\.\d) samples/s \(\d+ % of sgemm\); training reaches \d+ % of the first)")));
  const double params = static_cast<double>(w.model().num_parameters());
  CHECK(std::stod(m[1]) == Approx(params * 1e-6).margin(0.006));
  CHECK(std::stod(m[2]) == Approx(params * 16 * 1e-6).margin(0.06));
  const double upd_ms = std::stod(m[3]);
  REQUIRE(upd_ms > 0.0);
  CHECK(std::stod(m[4]) ==
        Approx(params * 16 / (upd_ms * 1e-3) * 1e-9).epsilon(0.01).margin(0.051));
  CHECK(std::stod(m[5]) == Approx(32.0 / ((step_ms + upd_ms) * 1e-3)).epsilon(0.002));
  CHECK(std::stod(m[6]) == Approx(32.0 / (std::max(step_ms, upd_ms) * 1e-3)).epsilon(0.002));
}

TEST_CASE("bench: a steady-state training step allocates no new buffers", "[apps][bench]") {
  const int saved = mp::num_threads();
  mp::set_num_threads(1);  // a quick test on a shared machine: no thread hand-offs
  for (const char* name : {"mlp-mnist", "cnn-cifar"}) {
    WorkloadRunner r(bench_workload(name), 0, 2);
    for (int i = 0; i < 3; ++i) r.train_step(i);  // fill the caching allocator
    const mp::AllocStats a0 = mp::alloc_stats();
    for (int i = 3; i < 6; ++i) CHECK(std::isfinite(r.train_step(i)));
    const mp::AllocStats a1 = mp::alloc_stats();
    INFO(name);
    CHECK(a1.system_allocs == a0.system_allocs);
    CHECK(a1.cache_hits > a0.cache_hits);  // the step did request buffers, all from the cache
  }
  mp::set_num_threads(saved);
}

TEST_CASE("bench --profile: per-layer, per-op, allocation and RSS sections", "[apps][bench]") {
  const Result r = run({"--threads", "1", "bench", "--only", "mlp-mnist", "--runs", "1",
                        "--seconds", "0.001", "--warmup", "0", "--infer-batch", "2", "--profile",
                        "--profile-steps", "2", "--rss-steps", "3"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  for (const char* s : {"step phases", "per layer", "per op type", "linear_relu", "cross_entropy",
                        "fwd_%raw", "system_allocs=0.00", "RSS over 3 steps"})
    CHECK(r.out.find(s) != std::string::npos);
  // Four hidden Linear+ReLU layers and the output layer, each with its output shape.
  CHECK(r.out.find("[32, 2048]") != std::string::npos);
  CHECK(r.out.find("[32, 10]") != std::string::npos);
  CHECK_FALSE(mp::ag::profiling());  // left off
}
