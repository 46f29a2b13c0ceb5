#include "apps/cli/bench_profile.h"

#include <cblas.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "apps/run/console.h"
#include "autograd/profiler.h"
#include "tensor/allocator.h"
#include "tensor/parallel.h"
#include "tensor/rng.h"
#include "tensor/stopwatch.h"

namespace mp::app {

namespace {

using clock_type = std::chrono::steady_clock;

double ms(double s) {
  return s * 1e3;
}

struct Gemm {
  bool ta, tb;
  int64_t m, n, k;
};

// Raw cblas_sgemm seconds for one product op(A)[m,k] op(B)[k,n] (fresh buffers, beta 0).
double raw_gemm_seconds(const Gemm& g) {
  static std::map<std::string, double> memo;  // same shapes recur across layers and workloads
  const std::string key = std::to_string(g.ta) + std::to_string(g.tb) + ":" + std::to_string(g.m) +
                          "x" + std::to_string(g.n) + "x" + std::to_string(g.k);
  auto it = memo.find(key);
  if (it != memo.end()) return it->second;
  Rng rng(7);
  std::vector<float> A(static_cast<size_t>(g.m * g.k)), B(static_cast<size_t>(g.k * g.n)),
      C(static_cast<size_t>(g.m * g.n));
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  // best_seconds (tensor/stopwatch.h): the layer times below are best-of-steps too, so the
  // two are compared like for like.
  const double s = best_seconds([&] {
    cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans,
                int(g.m), int(g.n), int(g.k), 1.0f, A.data(), int(g.ta ? g.m : g.k), B.data(),
                int(g.tb ? g.k : g.n), 0.0f, C.data(), int(g.n));
  });
  memo[key] = s;
  return s;
}

// The GEMMs of a layer's forward and backward, in the orientation memprobe runs them.
// Linear: y = x W^T [B,out,in]; dx = dy W; dW = dy^T x. Conv2d as one whole-batch GEMM
// [OC, N*OH*OW, C*KH*KW] (the ceiling of im2col + GEMM): dW = dy col^T, dcol = W^T dy.
void layer_gemms(const ag::OpEvent& e, std::vector<Gemm>& fwd, std::vector<Gemm>& bwd) {
  const int64_t M = e.gemm_m, N = e.gemm_n, K = e.gemm_k;
  const std::string name = e.name;
  if (name.rfind("linear", 0) == 0) {  // M = batch, N = out, K = in
    fwd.push_back({false, true, M, N, K});
    bwd.push_back({true, false, N, K, M});
    if (e.bwd_input_grad) bwd.push_back({false, false, M, K, N});
  } else if (name.rfind("conv2d", 0) == 0) {  // M = OC, N = batch pixels, K = C*KH*KW
    fwd.push_back({false, false, M, N, K});
    bwd.push_back({false, true, M, K, N});
    if (e.bwd_input_grad) bwd.push_back({true, false, K, N, M});
  } else {  // matmul: flops only, orientation unknown here
    fwd.push_back({false, false, M, N, K});
    bwd.push_back({false, false, M, N, K});
    if (e.bwd_input_grad) bwd.push_back({false, false, M, N, K});
  }
}

double flops(const std::vector<Gemm>& gs) {
  double f = 0;
  for (const Gemm& g : gs) f += 2.0 * static_cast<double>(g.m) * g.n * g.k;
  return f;
}

double raw_seconds(const std::vector<Gemm>& gs) {
  double s = 0;
  for (const Gemm& g : gs) s += raw_gemm_seconds(g);
  return s;
}

std::string shape_cell(const Shape& s) {
  return s.ndim() ? s.str() : "-";
}

// Resident set size in bytes (/proc/self/statm), 0 when unavailable.
int64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t pages_total = 0, pages_resident = 0;
  if (!(f >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

// Peak resident set size in bytes (VmHWM of /proc/self/status), 0 when unavailable.
int64_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  return 0;
}

std::string mib(int64_t bytes) {
  return format_fixed(static_cast<double>(bytes) / (1 << 20), 1) + " MiB";
}

void print_phases(WorkloadRunner& r, int64_t steps, std::ostream& out) {
  std::vector<WorkloadRunner::Phases> ph;
  for (int64_t i = 0; i < steps; ++i) ph.push_back(r.train_step_phases(i));
  auto median = [&](double WorkloadRunner::Phases::*m) {
    std::vector<double> v;
    for (const auto& p : ph) v.push_back(p.*m);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double z = median(&WorkloadRunner::Phases::zero_grad);
  const double f = median(&WorkloadRunner::Phases::forward);
  const double b = median(&WorkloadRunner::Phases::backward);
  const double s = median(&WorkloadRunner::Phases::step);
  out << "  step phases (median of " << steps << " steps, ms): zero_grad " << format_fixed(ms(z), 3)
      << "  forward+loss " << format_fixed(ms(f), 3) << "  backward " << format_fixed(ms(b), 3)
      << "  optimizer " << format_fixed(ms(s), 3) << "  total "
      << format_fixed(ms(z + f + b + s), 3) << '\n';
}

// Per-event best-of-steps forward and backward times.
std::vector<ag::OpEvent> profile_events(WorkloadRunner& r, int64_t steps) {
  std::vector<ag::OpEvent> best;
  for (int64_t i = 0; i < steps; ++i) {
    ag::profiler_start();
    r.train_step(i);
    ag::profiler_stop();
    std::vector<ag::OpEvent> ev = ag::profiler_take_events();
    if (best.empty() || best.size() != ev.size()) {
      best = ev;
      continue;
    }
    for (size_t j = 0; j < ev.size(); ++j) {
      best[j].fwd_s = std::min(best[j].fwd_s, ev[j].fwd_s);
      best[j].bwd_s = std::min(best[j].bwd_s, ev[j].bwd_s);
    }
  }
  return best;
}

void print_layers(const std::vector<ag::OpEvent>& ev, int64_t steps, std::ostream& out) {
  out << "  per layer (best of " << steps
      << " steps; GFLOP/s of the layer's GEMM work, raw = cblas_sgemm on the same shapes):\n";
  Table t({"#", "op", "output", "fwd_ms", "bwd_ms", "fwd_GF/s", "raw_GF/s", "fwd_%raw", "bwd_GF/s",
           "raw_GF/s", "bwd_%raw"});
  double total_f = 0, total_b = 0;
  for (size_t i = 0; i < ev.size(); ++i) {
    const ag::OpEvent& e = ev[i];
    total_f += e.fwd_s;
    total_b += e.bwd_s;
    std::vector<std::string> row = {std::to_string(i), e.name, shape_cell(e.out),
                                    format_fixed(ms(e.fwd_s), 3), format_fixed(ms(e.bwd_s), 3)};
    if (e.gemm_m > 0) {
      std::vector<Gemm> fg, bg;
      layer_gemms(e, fg, bg);
      const double rf = raw_seconds(fg), rb = raw_seconds(bg);
      row.push_back(format_fixed(flops(fg) / e.fwd_s * 1e-9, 1));
      row.push_back(format_fixed(flops(fg) / rf * 1e-9, 1));
      row.push_back(format_fixed(100.0 * rf / e.fwd_s, 0));
      if (e.bwd_s > 0) {
        row.push_back(format_fixed(flops(bg) / e.bwd_s * 1e-9, 1));
        row.push_back(format_fixed(flops(bg) / rb * 1e-9, 1));
        row.push_back(format_fixed(100.0 * rb / e.bwd_s, 0));
      } else {
        row.insert(row.end(), {"-", "-", "-"});
      }
    } else {
      row.insert(row.end(), {"-", "-", "-", "-", "-", "-"});
    }
    t.add_row(row);
  }
  t.add_row({"", "all ops", "", format_fixed(ms(total_f), 3), format_fixed(ms(total_b), 3), "", "",
             "", "", "", ""});
  out << t.to_text();
}

void print_ops(const std::vector<ag::OpEvent>& ev, std::ostream& out) {
  struct Agg {
    int calls = 0;
    double f = 0, b = 0;
  };
  std::vector<std::pair<std::string, Agg>> by;  // first-seen order
  double total = 0;
  for (const ag::OpEvent& e : ev) {
    auto it = std::find_if(by.begin(), by.end(), [&](const auto& p) { return p.first == e.name; });
    if (it == by.end()) it = by.insert(by.end(), {e.name, Agg{}});
    it->second.calls++;
    it->second.f += e.fwd_s;
    it->second.b += e.bwd_s;
    total += e.fwd_s + e.bwd_s;
  }
  out << "  per op type (sum over one step):\n";
  Table t({"op", "calls", "fwd_ms", "bwd_ms", "share_%"});
  for (const auto& [name, a] : by)
    t.add_row({name, std::to_string(a.calls), format_fixed(ms(a.f), 3), format_fixed(ms(a.b), 3),
               format_fixed(total > 0 ? 100.0 * (a.f + a.b) / total : 0.0, 1)});
  out << t.to_text();
}

void print_memory(WorkloadRunner& r, int64_t rss_steps, std::ostream& out) {
  // Allocation counts over steady-state steps (the warm-up above filled the caches).
  constexpr int64_t kAllocSteps = 20;
  const AllocStats a0 = alloc_stats();
  for (int64_t i = 0; i < kAllocSteps; ++i) r.train_step(i);
  const AllocStats a1 = alloc_stats();
  const double sys = static_cast<double>(a1.system_allocs - a0.system_allocs) / kAllocSteps;
  const double hits = static_cast<double>(a1.cache_hits - a0.cache_hits) / kAllocSteps;
  out << "  allocations per steady-state step (mean of " << kAllocSteps
      << "): system_allocs=" << format_fixed(sys, 2)
      << " cached_buffer_reuses=" << format_fixed(hits, 1) << "  live=" << mib(a1.live_bytes)
      << " cached=" << mib(a1.cached_bytes) << '\n';

  // RSS over many steps: sampled at 1 %, 10 % and 100 % of the run; growth after the first
  // 10 % would be a leak (the caches are warm by then).
  const int64_t s1 = std::max<int64_t>(1, rss_steps / 100),
                s10 = std::max<int64_t>(1, rss_steps / 10);
  int64_t rss1 = 0, rss10 = 0;
  const auto t0 = clock_type::now();
  for (int64_t i = 1; i <= rss_steps; ++i) {
    r.train_step(i);
    if (i == s1) rss1 = rss_bytes();
    if (i == s10) rss10 = rss_bytes();
  }
  const int64_t rss_end = rss_bytes();
  const double el = std::chrono::duration<double>(clock_type::now() - t0).count();
  out << "  RSS over " << rss_steps << " steps (" << format_fixed(el, 1) << " s): after " << s1
      << " " << mib(rss1) << ", after " << s10 << " " << mib(rss10) << ", after " << rss_steps
      << " " << mib(rss_end) << "; growth after " << s10 << " steps "
      << format_fixed(static_cast<double>(rss_end - rss10) / (1 << 20), 2) << " MiB; peak RSS "
      << mib(peak_rss_bytes()) << '\n';
}

}  // namespace

double sgemm_gflops(int64_t n) {
  const double s = raw_gemm_seconds({false, false, n, n, n});
  return 2.0 * static_cast<double>(n) * n * n / s * 1e-9;
}

StepGemms training_step_gemms(WorkloadRunner& r) {
  r.train_step(0);  // the first step may build lazily what the profiled one then reuses
  ag::profiler_start();
  r.train_step(1);
  ag::profiler_stop();
  StepGemms g;
  g.batch = r.workload().batch;
  double f = 0;
  for (const ag::OpEvent& e : ag::profiler_take_events()) {
    if (e.gemm_m <= 0) continue;
    std::vector<Gemm> fg, bg;
    layer_gemms(e, fg, bg);
    f += flops(fg) + flops(bg);
    g.raw_step_seconds += raw_seconds(fg) + raw_seconds(bg);
  }
  g.flops_per_sample = f / static_cast<double>(g.batch);
  return g;
}

UpdateFloor update_floor(WorkloadRunner& r) {
  UpdateFloor u;
  u.parameters = r.model().num_parameters();
  const bool adam = r.workload().optimizer == "adam";
  const int64_t n = u.parameters;
  u.bytes = n * static_cast<int64_t>(sizeof(float)) * 2 * (adam ? 3 : 2);
  // The gradient block: 8 K floats (32 KB) cycled over the parameters, in L1 like the block of
  // weight-gradient rows the fused update consumes while it is hot.
  constexpr int64_t kBlock = 8192;
  std::vector<float> w(static_cast<size_t>(n), 0.01f), m(static_cast<size_t>(n), 0.0f),
      v(adam ? static_cast<size_t>(n) : 0, 0.0f), g(kBlock);
  Rng rng(11);
  for (float& x : g) x = rng.uniform(-1e-3f, 1e-3f);
  float* __restrict pw = w.data();
  float* __restrict pm = m.data();
  float* __restrict pv = v.data();
  const float* __restrict pg = g.data();
  // Adam's arithmetic (a square root and a division per element) runs far below the traffic's
  // time at these sizes; what is measured is the memory the pass has to move.
  u.seconds = best_seconds(
      [&] {
        parallel_for_stream((n + kBlock - 1) / kBlock, kBlock, [&](int64_t lo, int64_t hi) {
          for (int64_t blk = lo; blk < hi; ++blk) {
            const int64_t b0 = blk * kBlock, b1 = std::min(n, b0 + kBlock);
            if (adam) {
              for (int64_t i = b0; i < b1; ++i) {
                const float gi = pg[i - b0];
                const float mi = 0.9f * pm[i] + 0.1f * gi;
                const float vi = 0.999f * pv[i] + 0.001f * gi * gi;
                pm[i] = mi, pv[i] = vi;
                pw[i] -= 2e-4f * mi / (std::sqrt(vi) + 1e-8f);
              }
            } else {
              for (int64_t i = b0; i < b1; ++i) {
                const float mi = 0.9f * pm[i] + pg[i - b0];
                pm[i] = mi;
                pw[i] -= 1e-3f * mi;
              }
            }
          }
        });
      },
      3);
  return u;
}

void print_profile(WorkloadRunner& r, const ProfileOptions& o, std::ostream& out) {
  const int64_t steps = std::max<int64_t>(1, o.profile_steps);
  out << "profile " << r.workload().name << " (batch " << r.workload().batch << ", "
      << r.workload().optimizer << "):\n";
  for (int64_t i = 0; i < 3; ++i) r.train_step(i);  // warm caches after the inference runs
  print_phases(r, steps, out);
  const std::vector<ag::OpEvent> ev = profile_events(r, steps);
  print_layers(ev, steps, out);
  print_ops(ev, out);
  print_memory(r, o.rss_steps, out);
  out.flush();
}

void run_probe_bench(std::ostream& out, std::ostream& err, int threads) {
  // bench_probes (bench/bench_probes.cpp, helper-written) is a separate program built next to
  // memprobe; run it rather than duplicating its synthetic-data generator.
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path prog = self.parent_path() / "bench_probes";
  if (ec || !std::filesystem::exists(prog)) {
    out << "probes: bench_probes not found next to memprobe; build it with `cmake --build <dir> "
           "--target bench_probes` and run `<dir>/bench_probes --threads "
        << threads << "` (compare with bench/masc_numpy_peer.py)\n";
    return;
  }
  const std::string cmd = "'" + prog.string() + "' --threads " + std::to_string(threads) + " 2>&1";
  err << "probes: running " << cmd << '\n';
  FILE* p = popen(cmd.c_str(), "r");
  MP_CHECK(p != nullptr, "bench --probes: cannot run " << prog.string());
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out << buf;
  out.flush();
  const int rc = pclose(p);
  MP_CHECK(rc == 0, "bench --probes: " << prog.string() << " exited with status " << rc);
}

}  // namespace mp::app
