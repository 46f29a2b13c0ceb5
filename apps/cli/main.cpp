// memprobe: the command-line program. All logic lives in the mp_apps library (commands.cpp) so
// that tests can run every command in-process.
#include "apps/cli/commands.h"
#include "apps/cli/omp_env.h"

int main(int argc, char** argv) {
  mp::app::ensure_passive_omp_wait(argv);  // may re-execute this program (apps/cli/omp_env.h)
  return mp::app::run_cli(argc, argv);
}
