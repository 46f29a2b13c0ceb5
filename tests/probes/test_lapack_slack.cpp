// The slack memprobe leaves after the arrays it hands LAPACK (probes/lapack.h, kLapackSlack):
// dsytrd runs with tau and its workspace each ending kLapackSlack doubles before an unmapped
// page, for every size a class's second-moment matrix may take up to 96. Under OpenBLAS 0.3.21's
// Prescott kernels (picked on CPUs it does not recognise, the default on some VMs) this faulted
// with no slack for every n >= 4: its lower dsymv reads past the end of its output vector, which
// dsytrd points at the ends of those arrays. On other kernels the test passes either way.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <omp.h>

#include "probes/lapack.h"
#include "tensor/rng.h"

namespace {

// `count` doubles that end exactly `slack` doubles before a page that is not mapped.
class GuardedBuffer {
 public:
  GuardedBuffer(size_t count, size_t slack) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = (count + slack) * sizeof(double);
    size_ = ((bytes + page - 1) / page + 1) * page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base_ = static_cast<char*>(p);
    REQUIRE(mprotect(base_ + size_ - page, page, PROT_NONE) == 0);
    data_ = reinterpret_cast<double*>(base_ + size_ - page - bytes);
  }
  ~GuardedBuffer() { munmap(base_, size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  double* data() { return data_; }

 private:
  char* base_ = nullptr;
  size_t size_ = 0;
  double* data_ = nullptr;
};

}  // namespace

TEST_CASE("dsytrd needs no more room after tau and its workspace than kLapackSlack",
          "[probes][lapack]") {
  mp::Rng rng(5);
  const size_t slack = static_cast<size_t>(mp::probes::kLapackSlack);
  for (int n = 1; n <= 96; ++n) {
    std::vector<double> A(static_cast<size_t>(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j <= i; ++j)
        A[static_cast<size_t>(i) * n + j] = A[static_cast<size_t>(j) * n + i] = rng.normal();
    const char uplo = 'L';
    int info = 0, lwork = -1;
    double wq = 0;
    std::vector<double> D(static_cast<size_t>(n)), E(static_cast<size_t>(n));
    GuardedBuffer tau(static_cast<size_t>(std::max(n - 1, 1)), slack);
    dsytrd_(&uplo, &n, A.data(), &n, D.data(), E.data(), tau.data(), &wq, &lwork, &info, 1);
    lwork = std::max(1, static_cast<int>(wq));
    GuardedBuffer work(static_cast<size_t>(lwork), slack);
    // Inside a parallel region, as the probes call it (all_class_eigen, with_serial_blas):
    // OpenBLAS then runs single-threaded, and only its single-threaded dsymv writes the caller's
    // vector directly (a threaded one goes through a buffer of its own and reads nothing past y).
#pragma omp parallel num_threads(2)
    {
      if (omp_get_thread_num() == 0)
        dsytrd_(&uplo, &n, A.data(), &n, D.data(), E.data(), tau.data(), work.data(), &lwork, &info,
                1);
    }
    INFO("n = " << n);
    CHECK(info == 0);
  }
}
