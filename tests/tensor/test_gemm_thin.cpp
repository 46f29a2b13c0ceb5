// Thin GEMM kernels (tensor/gemm_thin.h: nt, tn, nn) against the reference sgemm on awkward sizes,
// both beta values, padded leading dimensions, the streamed-store path, thread-count independence,
// and the routing of sgemm_auto.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "kernel_check.h"
#include "tensor/gemm.h"
#include "tensor/gemm_thin.h"
#include "tensor/tensor.h"
#include "tensor/threads.h"

using mp::testing::random_vec;

namespace {

// One thin product (nt: C = A B^T, thin M; tn: C = A^T B, thin K; nn: C = A B, thin M) against
// sgemm_ref, with padded leading dimensions.
void check_thin(const std::string& op, int64_t M, int64_t N, int64_t K, float beta, uint32_t seed) {
  const bool ta = op == "tn", tb = op == "nt";
  const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
  const auto A = random_vec((ta ? K : M) * lda, seed);
  const auto B = random_vec((tb ? N : K) * ldb, seed + 1);
  auto C = random_vec(M * ldc, seed + 2);
  auto R = C;
  if (op == "nt")
    mp::sgemm_thin_nt(M, N, K, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  else if (op == "tn")
    mp::sgemm_thin_tn(M, N, K, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  else
    mp::sgemm_thin_nn(M, N, K, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  mp::sgemm_ref(ta, tb, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, beta, R.data(), ldc);
  INFO(op << " M=" << M << " N=" << N << " K=" << K << " beta=" << beta);
  // |terms| <= 1: float accumulation in k order errs by at most ~K * 2^-24 per element.
  MP_REQUIRE_VEC_CLOSE(C, R, 1.2e-7 * static_cast<double>(K) + 1e-6, 0.0);
}

}  // namespace

TEST_CASE("thin nt (x W^T) matches the reference on awkward sizes", "[tensor][gemm]") {
  uint32_t seed = 10;
  for (int64_t M : {1, 7, 16, 17, 32, 33, 48, 64})
    for (int64_t N : {1, 7, 13, 33})
      for (int64_t K : {1, 5, 16, 129})
        for (float beta : {0.0f, 1.0f}) check_thin("nt", M, N, K, beta, seed += 3);
}

TEST_CASE("thin tn (dY^T x) matches the reference on awkward sizes", "[tensor][gemm]") {
  uint32_t seed = 500;
  for (int64_t M : {1, 5, 6, 7, 13})
    for (int64_t N : {1, 15, 16, 17, 64, 65, 100})
      for (int64_t K : {1, 7, 32, 64})
        for (float beta : {0.0f, 1.0f}) check_thin("tn", M, N, K, beta, seed += 3);
}

TEST_CASE("thin nn (dY W) matches the reference on awkward sizes", "[tensor][gemm]") {
  // M around the 8-row blocks, N around the 16-float vectors and 48-float panels, K around the
  // 64-row k blocks (the sums carried in C from one block to the next).
  uint32_t seed = 2000;
  for (int64_t M : {1, 7, 8, 9, 32, 33, 64})
    for (int64_t N : {1, 15, 16, 47, 48, 49, 100})
      for (int64_t K : {0, 1, 5, 63, 64, 65, 200})
        for (float beta : {0.0f, 1.0f}) check_thin("nn", M, N, K, beta, seed += 3);
}

TEST_CASE("thin tn streams a large fresh output, results independent of thread count",
          "[tensor][gemm]") {
  // 1024 x 512 floats = 2 MiB: the non-temporal store path (aligned rows of a Tensor).
  const int64_t M = 1024, N = 512, K = 32;
  const auto A = random_vec(K * M, 7), B = random_vec(K * N, 8);
  std::vector<float> R(static_cast<size_t>(M * N));
  mp::sgemm_ref(true, false, M, N, K, 1.0f, A.data(), M, B.data(), N, 0.0f, R.data(), N);
  std::vector<std::vector<float>> results;
  const int saved = mp::num_threads();
  for (int threads : {1, 2}) {
    mp::set_num_threads(threads);
    mp::Tensor C = mp::Tensor::full({M, N}, 7.0f);  // beta 0 must ignore what is there
    mp::sgemm_thin_tn(M, N, K, A.data(), M, B.data(), N, 0.0f, C.data(), N);
    results.push_back(C.to_vector());
    MP_REQUIRE_VEC_CLOSE(results.back(), R, 1.2e-7 * K + 1e-6, 0.0);
  }
  // Thin nt over a wide B, again at 1 and 2 threads.
  const int64_t M2 = 32, N2 = 1000, K2 = 300;
  const auto X = random_vec(M2 * K2, 9), Wt = random_vec(N2 * K2, 10);
  for (int threads : {1, 2}) {
    mp::set_num_threads(threads);
    std::vector<float> C(static_cast<size_t>(M2 * N2));
    mp::sgemm_thin_nt(M2, N2, K2, X.data(), K2, Wt.data(), K2, 0.0f, C.data(), N2);
    results.push_back(C);
  }
  // Thin nn over a wide B (the threads split its column panels; K not a whole number of k
  // blocks), beta 1 onto the same starting C.
  const int64_t N3 = 1008, K3 = 300;
  const auto G = random_vec(M2 * K3, 11), W = random_vec(K3 * N3, 12), C0 = random_vec(M2 * N3, 13);
  for (int threads : {1, 2}) {
    mp::set_num_threads(threads);
    std::vector<float> C = C0;
    mp::sgemm_thin_nn(M2, N3, K3, G.data(), K3, W.data(), N3, 1.0f, C.data(), N3);
    results.push_back(C);
  }
  mp::set_num_threads(saved);
  CHECK(mp::testing::bit_equal(results[0], results[1]));
  CHECK(mp::testing::bit_equal(results[2], results[3]));
  CHECK(mp::testing::bit_equal(results[4], results[5]));
}

TEST_CASE("thin tn handed to a consumer: every row once, bit for bit the stored product",
          "[tensor][gemm]") {
  // Small (serial) and large (split among threads) products, N a whole number of vectors or not
  // (the per-thread buffer's padded rows are then handed over one by one), M not a multiple of
  // the 6-row blocks; at 1 and 2 threads.
  const int saved = mp::num_threads();
  uint32_t seed = 40;
  for (int64_t M : {5, 6, 13, 1030})
    for (int64_t N : {64, 200, 512})
      for (int threads : {1, 2}) {
        mp::set_num_threads(threads);
        const int64_t K = 32, lda = M + 1, ldb = N + 3;
        const auto A = random_vec(K * lda, seed += 2), B = random_vec(K * ldb, seed + 1);
        std::vector<float> stored(static_cast<size_t>(M * N), 7.0f);
        mp::sgemm_thin_tn(M, N, K, A.data(), lda, B.data(), ldb, 0.0f, stored.data(), N);
        std::vector<float> consumed(static_cast<size_t>(M * N), -1.0f);
        std::vector<int> hits(static_cast<size_t>(M), 0);
        mp::sgemm_thin_tn_consume(M, N, K, A.data(), lda, B.data(), ldb,
                                  [&](int64_t r0, int64_t rows, const float* block) {
                                    // Disjoint rows: no two threads write the same element.
                                    std::copy(block, block + rows * N, consumed.begin() + r0 * N);
                                    for (int64_t r = r0; r < r0 + rows; ++r) ++hits[r];
                                  });
        INFO("M=" << M << " N=" << N << " threads=" << threads);
        CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
        CHECK(mp::testing::bit_equal(consumed, stored));
      }
  mp::set_num_threads(saved);
}

TEST_CASE("sgemm_auto routes thin shapes and agrees with sgemm everywhere", "[tensor][gemm]") {
  CHECK(std::string(mp::sgemm_auto_path(false, false, 32, 250, 250, 1.0f, 0.0f)) == "blas");
  CHECK(std::string(mp::sgemm_auto_path(false, false, 32, 2048, 10, 1.0f, 0.0f)) == "blas");
  CHECK(std::string(mp::sgemm_auto_path(false, false, 1000, 2048, 2048, 1.0f, 0.0f)) == "blas");
  CHECK(std::string(mp::sgemm_auto_path(false, true, 1000, 2048, 2048, 1.0f, 0.0f)) == "blas");
  CHECK(std::string(mp::sgemm_auto_path(false, true, 32, 2048, 2048, 0.5f, 0.0f)) == "blas");
  CHECK(std::string(mp::sgemm_auto_path(true, false, 2048, 2048, 32, 1.0f, 0.5f)) == "blas");
#if defined(__AVX512F__)
  CHECK(std::string(mp::sgemm_auto_path(false, true, 32, 2048, 2048, 1.0f, 0.0f)) == "thin_nt");
  CHECK(std::string(mp::sgemm_auto_path(true, false, 2048, 2048, 32, 1.0f, 0.0f)) == "thin_tn");
  CHECK(std::string(mp::sgemm_auto_path(true, false, 2048, 2048, 32, 1.0f, 1.0f)) == "blas");
  CHECK(std::string(mp::sgemm_auto_path(false, false, 32, 2048, 2048, 1.0f, 0.0f)) == "thin_nn");
  CHECK(std::string(mp::sgemm_auto_path(false, false, 32, 512, 2048, 1.0f, 1.0f)) == "thin_nn");
#endif
  uint32_t seed = 900;
  const int64_t shapes[][3] = {{32, 40, 70}, {70, 40, 32}, {33, 17, 16}, {5, 3, 2}, {32, 96, 130}};
  for (auto& s : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 1.0f}) {
          const int64_t M = s[0], N = s[1], K = s[2];
          const int64_t lda = ta ? M : K, ldb = tb ? K : N;
          const auto A = random_vec((ta ? K : M) * lda, seed++),
                     B = random_vec((tb ? N : K) * ldb, seed++);
          auto C = random_vec(M * N, seed++);
          auto R = C;
          mp::sgemm_auto(ta, tb, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, beta, C.data(), N);
          mp::sgemm_ref(ta, tb, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, beta, R.data(), N);
          INFO("M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb);
          MP_REQUIRE_VEC_CLOSE(C, R, 1.2e-7 * K + 1e-6, 0.0);
        }
}

TEST_CASE("thin kernels refuse bad arguments", "[tensor][gemm]") {
  std::vector<float> A(100 * 100), B(100 * 100), C(100 * 100);
  REQUIRE_THROWS_AS(mp::sgemm_thin_nt(65, 4, 4, A.data(), 4, B.data(), 4, 0.0f, C.data(), 4),
                    mp::Error);
  REQUIRE_THROWS_AS(mp::sgemm_thin_tn(4, 4, 65, A.data(), 4, B.data(), 4, 0.0f, C.data(), 4),
                    mp::Error);
  REQUIRE_THROWS_AS(mp::sgemm_thin_nt(4, 4, 4, A.data(), 4, B.data(), 4, 0.5f, C.data(), 4),
                    mp::Error);
  REQUIRE_THROWS_AS(mp::sgemm_thin_nt(4, 4, 8, A.data(), 4, B.data(), 8, 0.0f, C.data(), 4),
                    mp::Error);  // lda < K
  REQUIRE_THROWS_AS(mp::sgemm_thin_tn(4, 8, 4, A.data(), 4, B.data(), 8, 0.0f, C.data(), 4),
                    mp::Error);  // ldc < N
  REQUIRE_THROWS_AS(mp::sgemm_thin_nn(65, 4, 4, A.data(), 4, B.data(), 4, 0.0f, C.data(), 4),
                    mp::Error);
  REQUIRE_THROWS_AS(mp::sgemm_thin_nn(4, 8, 4, A.data(), 4, B.data(), 4, 0.0f, C.data(), 8),
                    mp::Error);  // ldb < N
}
