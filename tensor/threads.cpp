#include "tensor/threads.h"

#include <omp.h>

#include <cstdio>
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

}  // namespace mp
