#pragma once
// The instruction-set extensions this binary was compiled for, as the compiler's predefined
// macros saw them (the default build uses -march=native: the build machine's extensions). They
// decide which code runs (e.g. gemm_thin's AVX-512 kernels), so results depend on them:
// `memprobe info` prints them and every manifest records them (runtime.isa). The start-up check
// (startup/isa_check.cpp) refuses to run on a CPU that lacks one of them.
#include <string>

// The same list as a plain C string, for the start-up check: reading constant data runs none of
// the code compiled for these extensions. Space-separated __builtin_cpu_supports names.
extern "C" const char memprobe_build_isa[];

namespace mp {

// "sse sse2 sse3 ssse3 sse4.1 sse4.2 popcnt avx avx2 fma ... avx512f avx512bw ..."
std::string build_isa();
// How the extensions were chosen: "native" (-march=native, MEMPROBE_NATIVE=ON) or "default"
// (the compiler's default target, MEMPROBE_NATIVE=OFF).
std::string build_march();

}  // namespace mp
