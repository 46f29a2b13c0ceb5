#pragma once
// One owner for threads: memprobe's OpenMP loops and OpenBLAS share a single OpenMP runtime (the
// openblas-openmp build is linked by full path, see cmake/Dependencies.cmake). set_num_threads
// sets both; runtime_info() is printed in every run's header so a slow run can be diagnosed.
#include <cstdint>
#include <string>

namespace mp {

// Below this many elements (or multiply-adds) of work a parallel region costs more than it
// saves (fork/join is ~1-5 us on 2 cores); kernels stay serial under it.
constexpr int64_t kParallelMinWork = 32768;
// Streaming kernels (about one cheap op per element: add, relu, bias, column sums) are bound by
// memory, not arithmetic: a batch-32 activation of 32x2048 floats (in L2) takes a few
// microseconds serially, so splitting it saves about what the fork/join costs, and when the
// cores are shared a parallel region can stall for a scheduler slice waiting for its partner
// thread. They go parallel only from 1 MB of floats, where the saving clearly dominates.
constexpr int64_t kParallelMinStream = 262144;

void set_num_threads(int n);  // omp_set_num_threads AND openblas_set_num_threads; n >= 1
int num_threads();            // omp_get_max_threads()
bool blas_is_openmp();        // openblas_get_parallel() == 2
// One line: OpenBLAS version/config, core name, parallel mode, OpenMP and BLAS thread counts.
std::string runtime_info();
// Prints a one-line warning to stderr if the pthread build of OpenBLAS got loaded instead.
void warn_if_blas_not_openmp();

// OpenBLAS picks its kernels from the CPU's model number; a CPU it does not know (seen on a
// virtual machine reporting a generic "Intel Xeon Processor") gets its oldest SSE3 kernels
// (core=Prescott): measured there, sgemm at 44 against 215 GFLOP/s and MLP training 1.7x slower
// than with the AVX-512 kernels the CPU can run. Returns the advice to print (set
// OPENBLAS_CORETYPE) when `core` predates AVX2 on a CPU that has it, "" otherwise or when the
// kernel was forced (`forced`: OPENBLAS_CORETYPE is set, e.g. to resume a run bit-identically).
std::string blas_core_advice(const std::string& core, bool cpu_avx2_fma, bool cpu_avx512,
                             bool forced);
// The same for this process and CPU.
std::string blas_core_advice();

}  // namespace mp
