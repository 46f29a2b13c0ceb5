#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "tensor/gemm.h"
#include "tensor/threads.h"

using mp::testing::random_vec;

TEST_CASE("sgemm matches a hand-computed product", "[tensor][gemm]") {
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]] -> AB = [[58,64],[139,154]]
  std::vector<float> A = {1, 2, 3, 4, 5, 6}, B = {7, 8, 9, 10, 11, 12}, C = {1, 1, 1, 1};
  mp::sgemm(false, false, 2, 2, 3, 1.0f, A.data(), 3, B.data(), 2, 0.0f, C.data(), 2);
  REQUIRE(C == std::vector<float>({58, 64, 139, 154}));
  // alpha/beta: C = 2 * A B + 0.5 * C
  mp::sgemm(false, false, 2, 2, 3, 2.0f, A.data(), 3, B.data(), 2, 0.5f, C.data(), 2);
  REQUIRE(C == std::vector<float>({145, 160, 347.5f, 385}));
  // A^T A with trans_a: [[17,22,27],[22,29,36],[27,36,45]]
  std::vector<float> G(9);
  mp::sgemm(true, false, 3, 3, 2, 1.0f, A.data(), 3, A.data(), 3, 0.0f, G.data(), 3);
  REQUIRE(G == std::vector<float>({17, 22, 27, 22, 29, 36, 27, 36, 45}));
}

TEST_CASE("sgemm and dgemm agree with their references for every transpose and odd sizes",
          "[tensor][gemm]") {
  const int64_t sizes[][3] = {{1, 1, 1}, {7, 33, 5}, {33, 7, 129}, {129, 17, 64}, {3, 130, 1}};
  uint32_t seed = 1;
  for (auto& s : sizes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        // Padded leading dimensions (+3) so a wrong ld would read the wrong elements.
        const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 3, ldc = N + 3;
        auto A = random_vec((ta ? K : M) * lda, seed++);
        auto B = random_vec((tb ? N : K) * ldb, seed++);
        auto C = random_vec(M * ldc, seed++);
        auto R = C;
        mp::sgemm(ta, tb, M, N, K, 0.75f, A.data(), lda, B.data(), ldb, -0.5f, C.data(), ldc);
        mp::sgemm_ref(ta, tb, M, N, K, 0.75f, A.data(), lda, B.data(), ldb, -0.5f, R.data(), ldc);
        INFO("M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb);
        // |terms| <= 1, so float accumulation error is bounded by ~K * 2^-24 * 0.75.
        MP_REQUIRE_VEC_CLOSE(C, R, 1e-7 * static_cast<double>(K) + 1e-6, 0.0);

        std::vector<double> Ad(A.begin(), A.end()), Bd(B.begin(), B.end());
        std::vector<double> Cd(C.size(), 0.25), Rd(C.size(), 0.25);
        mp::dgemm(ta, tb, M, N, K, 0.75, Ad.data(), lda, Bd.data(), ldb, 2.0, Cd.data(), ldc);
        mp::dgemm_ref(ta, tb, M, N, K, 0.75, Ad.data(), lda, Bd.data(), ldb, 2.0, Rd.data(), ldc);
        for (size_t i = 0; i < Cd.size(); ++i) REQUIRE(std::fabs(Cd[i] - Rd[i]) < 1e-12);
      }
  }
}

TEST_CASE("sgemm with beta = 0 ignores NaN in C, and rejects bad leading dimensions",
          "[tensor][gemm]") {
  std::vector<float> A = {1, 2}, B = {3, 4}, C = {NAN};
  mp::sgemm(false, false, 1, 1, 2, 1.0f, A.data(), 2, B.data(), 1, 0.0f, C.data(), 1);
  REQUIRE(C[0] == 11.0f);
  C[0] = NAN;
  mp::sgemm_ref(false, false, 1, 1, 2, 1.0f, A.data(), 2, B.data(), 1, 0.0f, C.data(), 1);
  REQUIRE(C[0] == 11.0f);
  REQUIRE_THROWS_AS(
      mp::sgemm(false, false, 2, 2, 3, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2),
      mp::Error);
}

TEST_CASE("the OpenMP build of OpenBLAS is loaded and thread counts are shared",
          "[tensor][threads]") {
  REQUIRE(mp::blas_is_openmp());
  const int before = mp::num_threads();
  mp::set_num_threads(1);
  REQUIRE(mp::num_threads() == 1);
  REQUIRE(mp::runtime_info().find("blas_threads=1") != std::string::npos);
  mp::set_num_threads(before);
  const std::string info = mp::runtime_info();
  REQUIRE(info.find("parallel=openmp") != std::string::npos);
  REQUIRE(info.find("omp_threads=" + std::to_string(before)) != std::string::npos);
  REQUIRE_THROWS_AS(mp::set_num_threads(0), mp::Error);
}

TEST_CASE("an OpenBLAS kernel older than the CPU gets advice naming the kernel to force",
          "[tensor][threads]") {
  // The fallback OpenBLAS picks for a CPU model it does not know, on an AVX-512 machine.
  const std::string a = mp::blas_core_advice("Prescott", true, true, false);
  CHECK(a.find("Prescott") != std::string::npos);
  CHECK(a.find("OPENBLAS_CORETYPE=SkylakeX") != std::string::npos);
  // AVX2 without AVX-512: Haswell's kernels; the name's case does not matter.
  CHECK(mp::blas_core_advice("NEHALEM", true, false, false).find("OPENBLAS_CORETYPE=Haswell") !=
        std::string::npos);
  // No advice: a modern kernel, a CPU without AVX2 (the old kernel is right), or a kernel the
  // user forced (for instance to resume a run bit-identically).
  CHECK(mp::blas_core_advice("Haswell", true, true, false).empty());
  CHECK(mp::blas_core_advice("Cooperlake", true, true, false).empty());
  CHECK(mp::blas_core_advice("Prescott", false, false, false).empty());
  CHECK(mp::blas_core_advice("Prescott", true, true, true).empty());
}
