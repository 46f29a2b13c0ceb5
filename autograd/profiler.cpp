#include "autograd/profiler.h"

namespace mp::ag {

namespace detail {
std::atomic<bool> g_profiling{false};
}

namespace {

struct ProfilerState {
  std::vector<OpEvent> events;
  int64_t current = -1;  // event of the outermost active OpScope
  int depth = 0;
};

ProfilerState& state() {
  static ProfilerState s;
  return s;
}

}  // namespace

void profiler_start() {
  ProfilerState& s = state();
  s.events.clear();
  s.current = -1;
  s.depth = 0;
  detail::g_profiling.store(true, std::memory_order_relaxed);
}

void profiler_stop() {
  detail::g_profiling.store(false, std::memory_order_relaxed);
}

std::vector<OpEvent> profiler_take_events() {
  std::vector<OpEvent> out;
  out.swap(state().events);
  return out;
}

void OpScope::begin(const char* name) {
  ProfilerState& s = state();
  if (s.depth++ > 0) return;  // nested: the outer op owns the time
  s.events.emplace_back();
  s.events.back().name = name;
  index_ = static_cast<int64_t>(s.events.size()) - 1;
  s.current = index_;
  t0_ = std::chrono::steady_clock::now();
}

void OpScope::end() {
  ProfilerState& s = state();
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  if (index_ < static_cast<int64_t>(s.events.size()))
    s.events[static_cast<size_t>(index_)].fwd_s += dt;
  s.current = -1;
  s.depth = 0;
}

void OpScope::gemm(int64_t m, int64_t n, int64_t k) {
  if (index_ < 0) return;
  ProfilerState& s = state();
  if (index_ >= static_cast<int64_t>(s.events.size())) return;
  OpEvent& e = s.events[static_cast<size_t>(index_)];
  e.gemm_m = m;
  e.gemm_n = n;
  e.gemm_k = k;
}

int64_t profiler_current_event() {
  return profiling() ? state().current : -1;
}

void profiler_add_backward(int64_t event, double seconds, bool input_grad) {
  ProfilerState& s = state();
  if (event < 0 || event >= static_cast<int64_t>(s.events.size())) return;
  OpEvent& e = s.events[static_cast<size_t>(event)];
  e.bwd_s += seconds;
  e.bwd_input_grad = e.bwd_input_grad || input_grad;
}

void profiler_set_output(int64_t event, const Shape& out) {
  ProfilerState& s = state();
  if (event < 0 || event >= static_cast<int64_t>(s.events.size())) return;
  s.events[static_cast<size_t>(event)].out = out;
}

}  // namespace mp::ag
