// memprobe: the command-line program. All logic lives in the mp_apps library (commands.cpp) so
// that tests can run every command in-process.
#include "apps/commands.h"

int main(int argc, char** argv) {
  return mp::app::run_cli(argc, argv);
}
