// bench_gemm: GFLOP/s of the study's dense kernels on this machine.
//   - sgemm (memprobe's wrapper) for every MLP layer shape at batch 32 and 1000 (forward and
//     both backward products), next to raw cblas_sgemm on the same shape (wrapper overhead);
//   - the CNN's convolutions as whole-batch conv2d_fwd / conv2d_bwd, as effective GFLOP/s (the
//     convolution's multiply-adds over wall time), next to raw cblas_sgemm on the single GEMM
//     with the same flop count (OC x N*OH*OW x C*KH*KW), the ceiling im2col+GEMM could reach.
// Usage: bench_gemm [threads]   (default: OpenMP's default). Prints one table, no assertions.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tensor/conv2d.h"
#include "tensor/gemm.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

namespace {

std::vector<float> random_buf(int64_t n, uint32_t seed) {
  mp::Rng r(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = r.uniform(-1.0f, 1.0f);
  return v;
}

// Seconds per call: repeat until ~0.15 s have passed, best of 3 such rounds (robust to the
// other tenants of a shared 2-core machine).
double seconds_per_call(const std::function<void()>& f) {
  using clock = std::chrono::steady_clock;
  f();  // warm-up: workspaces, caches, OpenMP thread pool
  double best = 1e30;
  for (int round = 0; round < 3; ++round) {
    int64_t reps = 0;
    const auto t0 = clock::now();
    double el = 0;
    do {
      f();
      ++reps;
      el = std::chrono::duration<double>(clock::now() - t0).count();
    } while (el < 0.15);
    best = std::min(best, el / static_cast<double>(reps));
  }
  return best;
}

// Raw cblas_sgemm with op(A) [M,K], op(B) [K,N], row-major.
double raw_gflops(bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  auto A = random_buf(M * K, 1), B = random_buf(K * N, 2);
  std::vector<float> C(static_cast<size_t>(M * N));
  const double s = seconds_per_call([&] {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                int(M), int(N), int(K), 1.0f, A.data(), int(ta ? M : K), B.data(), int(tb ? K : N),
                0.0f, C.data(), int(N));
  });
  return 2.0 * M * N * K / s * 1e-9;
}

double mp_gflops(bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  auto A = random_buf(M * K, 1), B = random_buf(K * N, 2);
  std::vector<float> C(static_cast<size_t>(M * N));
  const double s = seconds_per_call([&] {
    mp::sgemm(ta, tb, M, N, K, 1.0f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.0f, C.data(), N);
  });
  return 2.0 * M * N * K / s * 1e-9;
}

void gemm_row(const std::string& name, bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  std::printf("  %-26s %5lld x %5lld x %5lld  %8.2f  %8.2f\n", name.c_str(), (long long)M,
              (long long)N, (long long)K, mp_gflops(ta, tb, M, N, K), raw_gflops(ta, tb, M, N, K));
}

struct ConvLayer {
  const char* name;
  int64_t N, C, H, W, OC;
  bool need_dx;  // the first layer's input needs no gradient
};

void conv_row(const ConvLayer& L) {
  const mp::Conv2dGeom g = mp::Conv2dGeom::make(L.C, L.H, L.W, 3, 3, 1, 1);
  const int64_t K = g.col_rows(), P = g.col_cols();
  auto x = random_buf(L.N * L.C * L.H * L.W, 3), w = random_buf(L.OC * K, 4);
  auto b = random_buf(L.OC, 5), dy = random_buf(L.N * L.OC * P, 6);
  std::vector<float> y(static_cast<size_t>(L.N * L.OC * P)), dx(x.size()), dw(w.size()),
      db(b.size());
  const double fwd_flops = 2.0 * L.N * L.OC * K * P;
  const double bwd_flops = fwd_flops * (L.need_dx ? 2 : 1);
  const double tf = seconds_per_call(
      [&] { mp::conv2d_fwd(x.data(), w.data(), b.data(), L.N, g, L.OC, y.data()); });
  const double tb = seconds_per_call([&] {
    mp::conv2d_bwd(x.data(), w.data(), dy.data(), L.N, g, L.OC, L.need_dx ? dx.data() : nullptr,
                   dw.data(), db.data());
  });
  const double raw = raw_gflops(false, false, L.OC, L.N * P, K);
  std::printf(
      "  %-18s N=%-4lld %3lld->%-3lld %2lldx%-2lld  fwd %7.2f (%6.2f ms)  bwd %7.2f "
      "(%6.2f ms)  raw %7.2f\n",
      L.name, (long long)L.N, (long long)L.C, (long long)L.OC, (long long)L.H, (long long)L.W,
      fwd_flops / tf * 1e-9, tf * 1e3, bwd_flops / tb * 1e-9, tb * 1e3, raw);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) mp::set_num_threads(std::atoi(argv[1]));
  mp::warn_if_blas_not_openmp();
  std::printf("bench_gemm | %s\n", mp::runtime_info().c_str());
  // Wall-clock numbers: on a shared machine other processes depress them (and two-thread runs
  // far more than one-thread runs, since a parallel region waits for its slowest thread).
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    double load = 0;
    if (std::fscanf(f, "%lf", &load) == 1) std::printf("load average (1 min): %.2f\n", load);
    std::fclose(f);
  }

  std::printf("\nMLP sgemm shapes (M x N x K), GFLOP/s:  memprobe sgemm   raw cblas\n");
  const int64_t dims[] = {784, 128, 512, 2048, 2048, 10};
  for (int64_t batch : {32, 1000}) {
    for (int l = 0; l + 1 < 6; ++l) {
      const int64_t in = dims[l], out = dims[l + 1];
      const std::string tag = "b" + std::to_string(batch) + " fc" + std::to_string(l + 1);
      gemm_row(tag + " fwd  X W^T", false, true, batch, out, in);
      if (batch == 32) {
        gemm_row(tag + " dW   dY^T X", true, false, out, in, batch);
        if (l > 0) gemm_row(tag + " dX   dY W", false, false, batch, in, out);
      }
    }
  }
  gemm_row("b32 CIFAR fc1 fwd", false, true, 32, 128, 3072);
  gemm_row("b128 CNN fc1 fwd (576)", false, true, 128, 250, 576);

  std::printf(
      "\nCNN convolutions (3x3, pad 1), effective GFLOP/s; raw = one cblas_sgemm "
      "OC x N*OH*OW x C*9\n");
  const ConvLayer layers[] = {
      {"mnist conv1", 128, 1, 28, 28, 16, false},    {"mnist conv2", 128, 16, 28, 28, 16, true},
      {"mnist conv3", 128, 16, 14, 14, 32, true},    {"mnist conv4", 128, 32, 14, 14, 32, true},
      {"mnist conv5", 128, 32, 7, 7, 64, true},      {"mnist conv6", 128, 64, 7, 7, 64, true},
      {"cifar conv1 b32", 32, 3, 32, 32, 16, false}, {"cifar conv2 b32", 32, 16, 32, 32, 16, true},
      {"cifar conv6 b32", 32, 64, 8, 8, 64, true}};
  for (const ConvLayer& L : layers) conv_row(L);
  return 0;
}
