#include "apps/cli/omp_env.h"

#include <unistd.h>

#include <cstdlib>

namespace mp::app {

void ensure_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  const char* keep = std::getenv("MEMPROBE_KEEP_OMP_ENV");
  if (keep && keep[0] == '1') return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // execv returned: it failed (no /proc?). Carry on with the spinning default; the variable
  // stays set so child processes still get it.
}

}  // namespace mp::app
