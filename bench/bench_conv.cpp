// bench_conv: the study CNN's convolutions (3x3, pad 1) as im2col + OpenBLAS (tensor/conv2d)
// next to the direct kernels (tensor/conv3x3), forward (+ bias + ReLU) and backward (+ ReLU
// mask, input gradient except for the first layer), in effective GFLOP/s (the convolution's
// multiply-adds over wall time, best call of >= 30 ms of calls). Usage: bench_conv [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "tensor/conv2d.h"
#include "tensor/conv3x3.h"
#include "tensor/elementwise.h"
#include "tensor/rng.h"
#include "tensor/stopwatch.h"
#include "tensor/threads.h"

namespace {

// Three calls at least: the conv kernels are slow enough that five would dominate the run.
template <class F>
double best_seconds3(F&& f) {
  return mp::best_seconds(std::forward<F>(f), 3);
}

std::vector<float> random_buf(int64_t n, uint32_t seed) {
  mp::Rng r(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = r.uniform(-1.0f, 1.0f);
  return v;
}

struct Layer {
  const char* name;
  int64_t N, C, H, W, OC;
  bool need_dx;
};

void row(const Layer& L) {
  const mp::Conv2dGeom g = mp::Conv2dGeom::make(L.C, L.H, L.W, 3, 3, 1, 1);
  const int64_t P = L.H * L.W, ny = L.N * L.OC * P;
  auto x = random_buf(L.N * L.C * P, 1), w = random_buf(L.OC * L.C * 9, 2);
  auto b = random_buf(L.OC, 3), gy = random_buf(ny, 4);
  std::vector<float> y(static_cast<size_t>(ny)), gz(y.size()), dx(x.size()), dw(w.size()),
      db(b.size());
  const double f = 2.0 * L.N * L.OC * L.C * 9 * P;
  const double fwd_old = best_seconds3([&] {
    mp::conv2d_fwd(x.data(), w.data(), b.data(), L.N, g, L.OC, y.data());
    mp::relu_fwd(y.data(), y.data(), ny);
  });
  const double fwd_new = best_seconds3(
      [&] { mp::conv3x3_fwd(x.data(), w.data(), b.data(), L.N, g, L.OC, true, y.data()); });
  const double bwd_old = best_seconds3([&] {
    mp::relu_bwd(y.data(), gy.data(), gz.data(), ny);
    mp::conv2d_bwd(x.data(), w.data(), gz.data(), L.N, g, L.OC, L.need_dx ? dx.data() : nullptr,
                   dw.data(), db.data());
  });
  const double bwd_new = best_seconds3([&] {
    mp::conv3x3_bwd(x.data(), w.data(), gy.data(), y.data(), L.N, g, L.OC,
                    L.need_dx ? dx.data() : nullptr, dw.data(), db.data());
  });
  const double fb = f * (L.need_dx ? 2 : 1);
  std::printf(
      "  %-16s N=%-3lld %2lld->%-2lld %2lldx%-2lld  fwd im2col %6.1f direct %6.1f (%5.2f ms, x%.2f)"
      "  bwd im2col %6.1f direct %6.1f (%5.2f ms, x%.2f)\n",
      L.name, (long long)L.N, (long long)L.C, (long long)L.OC, (long long)L.H, (long long)L.W,
      f / fwd_old * 1e-9, f / fwd_new * 1e-9, fwd_new * 1e3, fwd_old / fwd_new, fb / bwd_old * 1e-9,
      fb / bwd_new * 1e-9, bwd_new * 1e3, bwd_old / bwd_new);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) mp::set_num_threads(std::atoi(argv[1]));
  std::printf("bench_conv | %s\n  effective GFLOP/s, best call\n", mp::runtime_info().c_str());
  const Layer layers[] = {
      {"mnist conv1", 128, 1, 28, 28, 16, false}, {"mnist conv2", 128, 16, 28, 28, 16, true},
      {"mnist conv3", 128, 16, 14, 14, 32, true}, {"mnist conv4", 128, 32, 14, 14, 32, true},
      {"mnist conv5", 128, 32, 7, 7, 64, true},   {"mnist conv6", 128, 64, 7, 7, 64, true},
      {"cifar conv1", 32, 3, 32, 32, 16, false},  {"cifar conv2", 32, 16, 32, 32, 16, true},
      {"cifar conv4", 32, 32, 16, 16, 32, true},  {"cifar conv6", 32, 64, 8, 8, 64, true}};
  for (const Layer& L : layers) row(L);
  return 0;
}
