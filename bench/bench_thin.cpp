// bench_thin: GFLOP/s of tensor/gemm_thin's kernels next to OpenBLAS on the study's thin
// products (the Linear layers at batch 32: forward x W^T, weight gradient dY^T x and input
// gradient dY W), and which path sgemm_auto picks. The routing thresholds in gemm_thin.cpp come
// from this table. Usage: bench_thin [threads]. Best single call of >= 30 ms of calls (shared
// machines).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tensor/gemm.h"
#include "tensor/gemm_thin.h"
#include "tensor/rng.h"
#include "tensor/stopwatch.h"
#include "tensor/tensor.h"
#include "tensor/threads.h"

namespace {

mp::Tensor random_tensor(int64_t n, uint32_t seed) {
  mp::Rng r(seed);
  mp::Tensor t = mp::Tensor::empty({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = r.uniform(-1.0f, 1.0f);
  return t;
}

// op: "nt" = C[M,N] = A[M,K] B[N,K]^T ; "tn" = C[M,N] = A[K,M]^T B[K,N] ;
//     "nn" = C[M,N] = A[M,K] B[K,N]
void row(const char* name, const std::string& op, int64_t M, int64_t N, int64_t K, float beta) {
  mp::Tensor A = random_tensor(M * K, 1), B = random_tensor(N * K, 2), C = random_tensor(M * N, 3);
  const bool ta = op == "tn", tb = op == "nt";
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  const double blas = mp::best_seconds(
      [&] { mp::sgemm(ta, tb, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, beta, C.data(), N); });
  const double thin = mp::best_seconds([&] {
    if (op == "nt")
      mp::sgemm_thin_nt(M, N, K, A.data(), lda, B.data(), ldb, beta, C.data(), N);
    else if (op == "tn")
      mp::sgemm_thin_tn(M, N, K, A.data(), lda, B.data(), ldb, beta, C.data(), N);
    else
      mp::sgemm_thin_nn(M, N, K, A.data(), lda, B.data(), ldb, beta, C.data(), N);
  });
  const double gf = 2.0 * M * N * K * 1e-9;
  std::printf(
      "  %-24s %s %5lld x %5lld x %5lld beta %.0f  thin %7.1f  blas %7.1f  x%.2f  auto=%s\n", name,
      op.c_str(), (long long)M, (long long)N, (long long)K, beta, gf / thin, gf / blas, blas / thin,
      mp::sgemm_auto_path(ta, tb, M, N, K, 1.0f, beta));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) mp::set_num_threads(std::atoi(argv[1]));
  std::printf("bench_thin | %s\n  GFLOP/s (best call)\n", mp::runtime_info().c_str());
  struct L {
    const char* name;
    int64_t in, out;
  };
  const L layers[] = {
      {"mlp fc1", 784, 128},        {"mlp fc2", 128, 512}, {"mlp fc3", 512, 2048},
      {"mlp fc4", 2048, 2048},      {"mlp out", 2048, 10}, {"cifar-mlp fc1", 3072, 128},
      {"cnn-cifar fc1", 1024, 250}, {"cnn fc2", 250, 250}, {"cnn out", 250, 10}};
  for (const L& l : layers) {
    row((std::string(l.name) + " fwd").c_str(), "nt", 32, l.out, l.in, 0.0f);
    row((std::string(l.name) + " dW").c_str(), "tn", l.out, l.in, 32, 0.0f);
    row((std::string(l.name) + " dW acc").c_str(), "tn", l.out, l.in, 32, 1.0f);
    row((std::string(l.name) + " dX").c_str(), "nn", 32, l.in, l.out, 0.0f);
  }
  row("mlp fc4 fwd b64", "nt", 64, 2048, 2048, 0.0f);
  row("mlp fc4 fwd b16", "nt", 16, 2048, 2048, 0.0f);
  row("mlp fc4 dW b64", "tn", 2048, 2048, 64, 0.0f);
  row("mlp fc4 dX b64", "nn", 64, 2048, 2048, 0.0f);
  return 0;
}
