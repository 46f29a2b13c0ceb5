#pragma once
// A wall-clock stopwatch (steady clock): the one way memprobe times its phases, from a probe's
// fit to a whole training run.
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

}  // namespace mp
