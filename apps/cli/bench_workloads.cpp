#include "apps/cli/bench_workloads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/adam.h"
#include "nn/sgd.h"
#include "tensor/rng.h"

namespace mp::app {

const std::vector<BenchWorkload>& bench_workloads() {
  static const std::vector<BenchWorkload> w = {
      {"cnn-cifar", "cnn", 3, 32, 32, 32, "adam"},
      {"cnn-mnist", "cnn", 1, 28, 28, 128, "adam"},
      {"mlp-mnist", "mlp", 1, 28, 28, 32, "sgd"},
  };
  return w;
}

const BenchWorkload& bench_workload(const std::string& name) {
  std::string names;
  for (const BenchWorkload& w : bench_workloads()) {
    if (w.name == name) return w;
    names += (names.empty() ? "" : ", ") + w.name;
  }
  MP_FAIL("bench: unknown workload '" << name << "' (workloads: " << names << ")");
}

namespace {

// U[-1,1) inputs of the given shape, as the peer's torch.rand(...) * 2 - 1.
Tensor uniform_input(const Shape& s, Rng& rng) {
  Tensor t = Tensor::empty(s);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.uniform(-1.0f, 1.0f);
  return t;
}

}  // namespace

WorkloadRunner::WorkloadRunner(const BenchWorkload& w, uint32_t seed, int64_t infer_batch,
                               bool fused)
    : w_(w), infer_batch_(infer_batch) {
  MP_CHECK(infer_batch >= 1, "bench: inference batch must be >= 1, got " << infer_batch);
  model_ = nn::make_model(w.arch, w.C, w.H, w.W, 10, seed);
  if (w.optimizer == "sgd")
    opt_ = std::make_unique<nn::SGD>(model_->named_parameters(), 1e-3, 0.9);
  else
    opt_ = std::make_unique<nn::Adam>(model_->named_parameters(), 2e-4);
  opt_->set_fused(fused);  // Adam does not fuse: unchanged either way
  Rng rng(seed + 1);
  for (int i = 0; i < kBatches; ++i) {
    xs_.push_back(uniform_input({w.batch, w.C, w.H, w.W}, rng));
    std::vector<int32_t> y(static_cast<size_t>(w.batch));
    for (int32_t& v : y) v = static_cast<int32_t>(rng.randint(10));
    ys_.push_back(std::move(y));
  }
  big_ = uniform_input({infer_batch, w.C, w.H, w.W}, rng);
}

float WorkloadRunner::train_step(int64_t i) {
  const size_t k = static_cast<size_t>(i % kBatches);
  if (!model_->is_training()) model_->train();
  opt_->zero_grad();
  ag::Var loss = ag::cross_entropy(model_->forward(ag::Var(xs_[k])), ys_[k]);
  loss.backward();
  opt_->step();
  return loss.item();
}

WorkloadRunner::Phases WorkloadRunner::train_step_phases(int64_t i) {
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  const size_t k = static_cast<size_t>(i % kBatches);
  if (!model_->is_training()) model_->train();
  Phases ph;
  const auto t0 = clock::now();
  opt_->zero_grad();
  const auto t1 = clock::now();
  ag::Var loss = ag::cross_entropy(model_->forward(ag::Var(xs_[k])), ys_[k]);
  const auto t2 = clock::now();
  loss.backward();
  const auto t3 = clock::now();
  opt_->step();
  const auto t4 = clock::now();
  ph.zero_grad = secs(t0, t1);
  ph.forward = secs(t1, t2);
  ph.backward = secs(t2, t3);
  ph.step = secs(t3, t4);
  return ph;
}

double WorkloadRunner::infer_step() {
  if (model_->is_training()) model_->eval();
  ag::NoGradGuard no_grad;
  ag::Var y = model_->forward(ag::Var(big_));
  // One logit per row is enough for a checksum; summing all 10,000 would cost nothing either.
  const float* p = y.data().data();
  double s = 0;
  for (int64_t r = 0; r < y.size(0); ++r) s += p[r * y.size(1)];
  return s;
}

double measure_rate(const std::function<void(int64_t)>& fn, double unit, const RateOptions& opt) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < opt.warmup; ++i) fn(i);
  std::vector<double> rates;
  for (int r = 0; r < std::max(1, opt.runs); ++r) {
    int64_t n = 0;
    const auto t0 = clock::now();
    double el = 0;
    do {
      fn(n++);
      el = std::chrono::duration<double>(clock::now() - t0).count();
    } while (el < opt.seconds);
    rates.push_back(static_cast<double>(n) * unit / el);
  }
  std::sort(rates.begin(), rates.end());
  const size_t m = rates.size();
  return m % 2 ? rates[m / 2] : 0.5 * (rates[m / 2 - 1] + rates[m / 2]);
}

WorkloadRates measure_workload(WorkloadRunner& r, const RateOptions& opt) {
  WorkloadRates out;
  float loss = 0;
  out.train = measure_rate([&](int64_t i) { loss = r.train_step(i); },
                           static_cast<double>(r.workload().batch), opt);
  MP_CHECK(std::isfinite(loss), "bench " << r.workload().name << ": training loss is " << loss);
  double sum = 0;
  out.infer = measure_rate([&](int64_t) { sum = r.infer_step(); },
                           static_cast<double>(r.infer_batch()), opt);
  MP_CHECK(std::isfinite(sum), "bench " << r.workload().name << ": inference produced " << sum);
  return out;
}

std::string rate_line(const std::string& name, int threads, const WorkloadRates& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "workload=%s threads=%d train_samples_per_s=%.1f infer_samples_per_s=%.1f",
                name.c_str(), threads, r.train, r.infer);
  return buf;
}

}  // namespace mp::app
