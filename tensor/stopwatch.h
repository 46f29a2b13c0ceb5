#pragma once
// A wall-clock stopwatch (steady clock): the one way memprobe times its phases, from a probe's
// fit to a whole training run.
#include <algorithm>
#include <chrono>

namespace mp {

class Stopwatch {
 public:
  Stopwatch() : t0_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::chrono::steady_clock::time_point t0_;
};

// The fastest of at least `min_calls` timed calls of f (and at least 30 ms of calls), after one
// untimed warm-up call. On a shared machine the fastest call is the one least disturbed by the
// neighbours, which is what a kernel comparison wants.
template <class F>
double best_seconds(F&& f, int min_calls = 5) {
  f();
  double best = 1e30, total = 0;
  for (int calls = 0; calls < min_calls || total < 0.03; ++calls) {
    Stopwatch t;
    f();
    const double el = t.seconds();
    best = std::min(best, el);
    total += el;
  }
  return best;
}

}  // namespace mp
