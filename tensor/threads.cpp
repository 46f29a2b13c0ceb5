#include "tensor/threads.h"

#include <omp.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tensor/check.h"

// OpenBLAS's own extensions; declared here as well so this file does not depend on which
// cblas.h variant is first on the include path.
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
int openblas_get_parallel(void);
}

namespace mp {

void set_num_threads(int n) {
  MP_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got " << n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int num_threads() {
  return omp_get_max_threads();
}

bool blas_is_openmp() {
  return openblas_get_parallel() == 2;
}

std::string runtime_info() {
  const int par = openblas_get_parallel();
  const char* mode = par == 0 ? "sequential" : par == 1 ? "pthreads" : par == 2 ? "openmp" : "?";
  std::ostringstream os;
  os << "OpenBLAS [" << openblas_get_config() << "] core=" << openblas_get_corename()
     << " parallel=" << mode << " omp_threads=" << omp_get_max_threads()
     << " blas_threads=" << openblas_get_num_threads();
  return os.str();
}

void warn_if_blas_not_openmp() {
  if (blas_is_openmp()) return;
  std::fprintf(stderr,
               "warning: the loaded OpenBLAS is not the OpenMP build (%s); its threads will "
               "compete with memprobe's OpenMP threads (expect several times slower training)\n",
               runtime_info().c_str());
}

namespace {
// OpenBLAS core names (its corename[] tables) whose kernels use no AVX2/FMA.
bool core_predates_avx2(const std::string& core) {
  static const char* const kOld[] = {
      "unknown",     "katmai", "coppermine", "northwood",    "prescott",  "banias",
      "yonah",       "core2",  "penryn",     "dunnington",   "nehalem",   "atom",
      "sandybridge", "athlon", "opteron",    "opteron_sse3", "barcelona", "bobcat"};
  std::string lower;
  for (char c : core) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* name : kOld) {
    if (lower == name) return true;
  }
  return false;
}
}  // namespace

std::string blas_core_advice(const std::string& core, bool cpu_avx2_fma, bool cpu_avx512,
                             bool forced) {
  if (forced || !cpu_avx2_fma || !core_predates_avx2(core)) return "";
  const char* pick = cpu_avx512 ? "SkylakeX" : "Haswell";
  return std::string("OpenBLAS did not recognise this CPU and runs its ") + core +
         " kernels, which use none of its " + (cpu_avx512 ? "AVX-512 or " : "") +
         "AVX2 units (sgemm several times slower); start memprobe with OPENBLAS_CORETYPE=" + pick +
         " (a run's kernel is in its manifest: resume it with the kernel it started with)";
}

std::string blas_core_advice() {
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return blas_core_advice(openblas_get_corename(), avx2, avx512,
                          std::getenv("OPENBLAS_CORETYPE") != nullptr);
}

}  // namespace mp
