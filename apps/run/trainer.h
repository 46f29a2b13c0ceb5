#pragma once
// `memprobe train`: one run = one (dataset, model, corruption level, seed). Trains on the
// corrupted labels until the training accuracy on them reaches the target or the epoch cap,
// saves checkpoints on the schedule, logs metrics per epoch, and resumes bit-identically from
// the last checkpoint after an interruption (the data order is a pure function of seed and
// epoch; model, optimizer state and metrics are restored from the run directory).
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "apps/run/metrics_log.h"
#include "apps/run/train_config.h"
#include "nn/models.h"
#include "nn/optimizer.h"

namespace mp::app {

// The optimizer `cfg` names (SGD with momentum, or Adam) over the model's parameters. SGD runs
// fused: each Linear layer's update happens inside the backward pass while its gradient block is
// in cache (bit-identical to backward-then-step, tests/nn/test_sgd_fused.cpp), so a loop that
// uses it must not read gradients after backward(). Shared by training and `relabel`.
std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& cfg, nn::Model& model);

struct TrainOptions {
  bool resume = false;  // continue an unfinished run from its last checkpoint
  bool force = false;   // discard an existing run directory's contents and start again
  std::string command;  // the command line, recorded in the manifest
  // How the calling command starts a run over, as the end of the messages that refuse or reuse
  // an existing run: `train` has --force, `reproduce` reuses what it finds.
  std::string start_over = "use --force to start over";
  bool quiet = false;  // no per-epoch lines (progress bar only)
};

struct TrainOutcome {
  int final_epoch = 0;
  // "target reached" | "epoch cap" | "end epoch" (--edit-mode reference) | "already finished"
  std::string stop_reason;
  EpochMetrics last;
  bool reused = false;  // the run was already finished and was not retrained
};

// Runs (or resumes) the run in `out`. Throws mp::Error with one clear line on bad input.
TrainOutcome train_run(TrainConfig cfg, const std::filesystem::path& out, const TrainOptions& opt,
                       std::ostream& log);

}  // namespace mp::app
