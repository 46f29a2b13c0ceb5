#pragma once
// parallel_for: the one way kernels in tensor/ go parallel. Runs f(begin, end) over [0, n) on a
// static, deterministic partition (thread t always gets the same range for a given thread
// count), and stays serial -- no OpenMP region at all -- when the total work is below the
// threshold (threads.h), when only one thread is allowed, or when already inside a parallel
// region.
// Entering a region costs microseconds, which on batch-32 MLP sizes is more than the kernel.
#include <omp.h>

#include <cstdint>

#include "tensor/threads.h"

namespace mp {

// n items of `work_per_item` elementary operations each; ranges are rounded to multiples of
// `align` items (e.g. 16 floats = one cache line) except the last. Parallel only when
// n * work_per_item >= min_work (kParallelMinStream for memory-bound streaming kernels).
template <typename F>
inline void parallel_for(int64_t n, int64_t work_per_item, F&& f, int64_t align = 1,
                         int64_t min_work = kParallelMinWork) {
  if (n <= 0) return;
  const int max_t = omp_get_max_threads();
  if (max_t <= 1 || n * work_per_item < min_work || omp_in_parallel() || n < 2) {
    f(int64_t(0), n);
    return;
  }
#pragma omp parallel num_threads(max_t)
  {
    const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t blocks = (n + align - 1) / align;
    const int64_t b0 = blocks * t / nt, b1 = blocks * (t + 1) / nt;
    const int64_t begin = b0 * align, end = b1 * align < n ? b1 * align : n;
    if (begin < end) f(begin, end);
  }
}

// parallel_for for streaming kernels: n items of `elems_per_item` floats each, parallel only
// from kParallelMinStream floats in total.
template <typename F>
inline void parallel_for_stream(int64_t n, int64_t elems_per_item, F&& f, int64_t align = 1) {
  parallel_for(n, elems_per_item, static_cast<F&&>(f), align, kParallelMinStream);
}

}  // namespace mp
