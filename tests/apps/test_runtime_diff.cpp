// runtime_differences(): the warnings `audit` and `train --resume` print when this process
// cannot reproduce a run bit for bit (another BLAS kernel, OpenBLAS, thread count or build ISA).
#include <catch2/catch.hpp>

#include <string>

#include "apps/run/manifest.h"
#include "apps/run/runtime_diff.h"
#include "tensor/build_isa.h"
#include "tensor/threads.h"

using mp::app::current_runtime;
using mp::app::runtime_differences;
using Json = nlohmann::json;

namespace {

Json runtime(const std::string& core, int threads, const std::string& isa = "sse sse2 avx2") {
  return Json{{"blas", "OpenBLAS [OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH USE_OPENMP " + core +
                           " MAX_THREADS=64] core=" + core +
                           " parallel=openmp omp_threads=2 blas_threads=2"},
              {"threads", threads},
              {"isa", isa},
              {"march", "native"}};
}

}  // namespace

TEST_CASE("runtime_differences: none for the same runtime, one line per difference", "[apps]") {
  CHECK(runtime_differences(runtime("Haswell", 2), runtime("Haswell", 2)).empty());

  auto w = runtime_differences(runtime("Haswell", 2), runtime("Cooperlake", 2));
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::StartsWith("BLAS kernel differs: the run used core=Haswell, this "
                                     "process core=Cooperlake"));
  CHECK_THAT(w[0], Catch::Contains("OPENBLAS_CORETYPE=Haswell"));

  w = runtime_differences(runtime("Haswell", 2), runtime("Haswell", 1));
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::StartsWith("thread count differs: the run used 2, this process 1"));
  CHECK_THAT(w[0], Catch::Contains("--threads 2"));

  w = runtime_differences(runtime("Haswell", 2, "sse sse2 avx2 avx512f"), runtime("Haswell", 2));
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::StartsWith("build ISA differs"));
  CHECK_THAT(w[0], Catch::Contains("avx512f"));

  Json newer = runtime("Haswell", 2);
  newer["blas"] = "OpenBLAS [OpenBLAS 0.3.26 USE_OPENMP Haswell] core=Haswell parallel=openmp";
  w = runtime_differences(runtime("Haswell", 2), newer);
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::StartsWith("OpenBLAS differs: the run used 0.3.21, this process 0.3.26"));

  CHECK(runtime_differences(runtime("SkylakeX", 4, "sse"), runtime("Zen", 2)).size() == 3);
}

TEST_CASE("runtime_differences: what an older or damaged manifest lacks is not compared",
          "[apps]") {
  Json old = runtime("Haswell", 2);
  old.erase("isa");
  old.erase("march");
  CHECK(runtime_differences(old, runtime("Haswell", 2, "anything")).empty());
  CHECK(runtime_differences(Json{{"threads", 2}}, runtime("Zen", 2)).empty());
  CHECK(runtime_differences(Json{{"blas", "no kernel named here"}}, runtime("Zen", 2)).empty());
  CHECK(runtime_differences(Json(), runtime("Zen", 2)).empty());
  CHECK(runtime_differences(Json("text"), runtime("Zen", 2)).empty());
  CHECK(runtime_differences(Json{{"threads", "two"}}, runtime("Zen", 2)).empty());
}

TEST_CASE("this process's runtime is what a manifest records, and matches itself", "[apps]") {
  const Json now = current_runtime(mp::num_threads());
  CHECK(now["blas"] == mp::runtime_info());
  CHECK(now["isa"] == mp::build_isa());
  CHECK(now["isa"].get<std::string>().find("sse2") != std::string::npos);  // x86-64 baseline
  CHECK(runtime_differences(now).empty());
  mp::app::Manifest m;
  m.start("memprobe train", Json::object(), mp::runtime_info(), mp::num_threads());
  CHECK(m.json()["runtime"]["isa"] == mp::build_isa());
  CHECK(m.json()["runtime"]["march"] == mp::build_march());
  CHECK(runtime_differences(m.json()["runtime"]).empty());
}
