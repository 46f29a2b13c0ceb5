#pragma once
// What results depend on besides the seed: memprobe's results are bit-identical for the same
// seed, thread count, BLAS kernel and build ISA (README, Reproducibility). A run's manifest
// records the last three under "runtime" (Manifest::start); runtime_differences() says, one
// line each, where this process differs from a run, for `audit` and `train --resume` to warn.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mp::app {

// This process's runtime in the manifest's form:
//   {"blas": runtime_info(), "threads": threads, "isa": build_isa(), "march": build_march()}
nlohmann::json current_runtime(int threads);

// One human-readable warning per difference between a manifest's "runtime" object and
// `current` (the same form): the BLAS kernel (core=...), the OpenBLAS version, the thread count,
// the build ISA. A field missing from either side (an older manifest) is not compared; a stored
// value that is not an object gives no warnings. Empty when nothing differs.
std::vector<std::string> runtime_differences(const nlohmann::json& stored_runtime,
                                             const nlohmann::json& current);
// The same against this process: current_runtime(mp::num_threads()).
std::vector<std::string> runtime_differences(const nlohmann::json& stored_runtime);

}  // namespace mp::app
