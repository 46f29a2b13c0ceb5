#pragma once
// Op-level profiler for `memprobe bench --profile`: when on, every differentiable op called from
// the profiling thread appends one OpEvent (forward wall time, output shape, the op's GEMM shape
// if it has one) and the backward engine adds the time of that op's backward closure (plus the
// accumulation of the gradients it produced) to the same event. Events are numbered in call
// order, so a model that runs the same ops every step yields the same numbering each step and
// event i is "layer i". Off by default; then each op pays one relaxed atomic load.
// Single-threaded use: start, run steps, take_events, stop, all on one thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "tensor/shape.h"

namespace mp::ag {

struct OpEvent {
  const char* name = "";
  Shape out;                                   // the op's output shape
  double fwd_s = 0, bwd_s = 0;                 // wall seconds
  int64_t gemm_m = 0, gemm_n = 0, gemm_k = 0;  // forward as one GEMM [M,K]x[K,N]; 0 = none
  bool bwd_input_grad = false;                 // backward also computed the data input's gradient
};

namespace detail {
extern std::atomic<bool> g_profiling;
}

inline bool profiling() {
  return detail::g_profiling.load(std::memory_order_relaxed);
}
void profiler_start();  // clears the events and turns profiling on
void profiler_stop();   // turns it off (events are kept until the next start/take)
// The events recorded since the last start/take, in call order; clears them.
std::vector<OpEvent> profiler_take_events();

// Times one op's forward. Nested scopes (an op implemented by another op) record only the
// outermost. The index of the event this scope fills is what record() stores in the node.
class OpScope {
 public:
  explicit OpScope(const char* name) {
    if (profiling()) begin(name);
  }
  ~OpScope() {
    if (index_ >= 0) end();
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;
  // The forward's work as one GEMM [M,K] x [K,N] (for the GFLOP/s column).
  void gemm(int64_t m, int64_t n, int64_t k);

 private:
  void begin(const char* name);
  void end();
  int64_t index_ = -1;
  std::chrono::steady_clock::time_point t0_;
};

// For the recorder and the engine.
int64_t profiler_current_event();  // the innermost active scope's event, or -1
void profiler_add_backward(int64_t event, double seconds, bool input_grad);
void profiler_set_output(int64_t event, const Shape& out);

}  // namespace mp::ag
