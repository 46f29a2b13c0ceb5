#pragma once
// The speed benchmark's workloads, defined exactly as the PyTorch peer bench/torch_peer.py
// defines them, so the two print comparable lines:
//   mlp-mnist  MLP on 1x28x28, batch 32,  SGD(lr 1e-3, momentum 0.9)
//   cnn-mnist  CNN on 1x28x28, batch 128, Adam(lr 2e-4)
//   cnn-cifar  CNN on 3x32x32, batch 32,  Adam(lr 2e-4)
// Training step = zero_grad + forward + cross-entropy + backward + optimizer step on one of 8
// pre-drawn synthetic batches (inputs U[-1,1], labels uniform in [0,10)). Inference = forward of
// one batch of 1000 in eval mode under no-grad. A rate is the median over `runs` timed runs of
// `seconds` each, after 5 warm-up calls.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/models.h"
#include "nn/optimizer.h"
#include "tensor/tensor.h"

namespace mp::app {

struct BenchWorkload {
  std::string name;       // "mlp-mnist"
  std::string arch;       // "mlp" / "cnn"
  int64_t C, H, W;        // input shape
  int64_t batch;          // training batch
  std::string optimizer;  // "sgd" / "adam"
};

// The three workloads, in the peer's (sorted) order.
const std::vector<BenchWorkload>& bench_workloads();
// Looks a workload up by name; throws mp::Error listing the valid names.
const BenchWorkload& bench_workload(const std::string& name);

// A model, its optimizer and the synthetic batches of one workload.
class WorkloadRunner {
 public:
  static constexpr int kBatches = 8;
  static constexpr int64_t kInferBatch = 1000;  // the peer's

  // `fused`: SGD updates inside the backward pass, as `memprobe train` runs it
  // (Optimizer::set_fused); false steps after backward (for comparing the two).
  explicit WorkloadRunner(const BenchWorkload& w, uint32_t seed = 0,
                          int64_t infer_batch = kInferBatch, bool fused = true);
  int64_t infer_batch() const { return infer_batch_; }
  const BenchWorkload& workload() const { return w_; }
  nn::Model& model() { return *model_; }

  // One training step on batch i % 8 (sets train mode); returns the loss.
  float train_step(int64_t i);
  // The same step with the wall seconds of each phase (forward includes the loss).
  struct Phases {
    double zero_grad = 0, forward = 0, backward = 0, step = 0;
  };
  Phases train_step_phases(int64_t i);
  // One forward of the inference batch (1000 samples) in eval mode under no-grad; returns a
  // checksum of the logits (so the work cannot be optimised away and a broken model shows up as
  // NaN).
  double infer_step();

 private:
  BenchWorkload w_;
  std::unique_ptr<nn::Model> model_;
  std::unique_ptr<nn::Optimizer> opt_;
  std::vector<Tensor> xs_;
  std::vector<std::vector<int32_t>> ys_;
  Tensor big_;
  int64_t infer_batch_;
};

struct RateOptions {
  int runs = 3;          // timed runs; the median is reported
  double seconds = 3.0;  // length of one timed run
  int warmup = 5;        // untimed calls first
};

// Median over opt.runs of (calls * unit / elapsed seconds), each run calling fn(i) with
// i = 0, 1, ... until opt.seconds have passed (at least once).
double measure_rate(const std::function<void(int64_t)>& fn, double unit, const RateOptions& opt);

struct WorkloadRates {
  double train = 0, infer = 0;  // samples per second
};
WorkloadRates measure_workload(WorkloadRunner& r, const RateOptions& opt);

// The peer's line: "workload=NAME threads=T train_samples_per_s=X infer_samples_per_s=Y"
std::string rate_line(const std::string& name, int threads, const WorkloadRates& r);

}  // namespace mp::app
