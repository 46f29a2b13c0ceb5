// `memprobe info`: what this binary will run on (BLAS, threads, the instruction-set extensions it
// was built for) and which datasets it can see.
#include <memory>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "data/datasets.h"
#include "tensor/build_isa.h"
#include "tensor/threads.h"

namespace mp::app {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "info", "Show the version, BLAS and thread configuration, and which datasets are present");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("--data-dir", *dir,
                  "Dataset directory to inspect (default: $MEMPROBE_DATA, else "
                  "${XDG_CACHE_HOME:-~/.cache}/memprobe/datasets)");
  set_action(cmd, [dir](CommandContext& ctx) {
    const std::string data_dir = dir->empty() ? data::default_data_dir() : *dir;
    ctx.out << version_string() << '\n'
            << "runtime: " << runtime_info() << '\n'
            << "build ISA: " << build_isa() << " ("
            << (build_march() == "native" ? "-march=native on the build machine"
                                          : "the compiler's default target")
            << "; checked against this CPU at start-up)\n"
            << "threads: " << ctx.threads << " (of " << available_cpus()
            << " CPUs available; change with --threads N)\n"
            << "OpenBLAS OpenMP build loaded: "
            << (blas_is_openmp() ? "yes"
                                 : "NO - BLAS threads will compete with OpenMP threads (several "
                                   "times slower); see cmake/Dependencies.cmake")
            << '\n'
            << "BLAS kernel: "
            << (blas_core_advice().empty()
                    ? std::string("fits this CPU (or OPENBLAS_CORETYPE chose it)")
                    : "SLOW - " + blas_core_advice())
            << '\n'
            << "data dir: " << data_dir << '\n';
    Table t({"dataset", "status"});
    for (const auto& [name, status] : dataset_presence(data_dir)) t.add_row({name, status});
    ctx.out << t.to_text();
    return 0;
  });
}

}  // namespace mp::app
