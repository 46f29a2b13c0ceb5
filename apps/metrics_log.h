#pragma once
// metrics.csv of a run (one row per epoch, see docs/formats.md) and a wall-clock timer.
#include <chrono>
#include <filesystem>
#include <vector>

#include "apps/trainer.h"

namespace mp::app {

void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochMetrics>& rows);
std::vector<EpochMetrics> read_metrics_csv(const std::filesystem::path& path);

class Timer {
 public:
  Timer() : t0_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace mp::app
