#pragma once
// The few LAPACK routines the probes call, declared by hand: LAPACKE is not installed, so these
// are the Fortran symbols of liblapack (OpenMP OpenBLAS directory, LP64: 32-bit INTEGER).
// gfortran passes each CHARACTER argument's length as a trailing size_t; they are declared so
// the calls are ABI-exact rather than relying on the callee ignoring missing arguments.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mp::probes {

// Doubles of slack after every array memprobe hands LAPACK as a vector argument or workspace.
// OpenBLAS 0.3.21's SSE3 (Prescott) kernel of dsymv with uplo 'L', which OpenBLAS picks on CPUs it
// does not recognise, reads up to 4 doubles past the end of its output vector y (measured: for
// every n >= 4, with y ending at an unmapped page it faults; it does not write there). dsytrd
// passes the end of tau (dsytd2) and of its workspace (dlatrd) as that y, so without room after
// them a buffer ending at a page boundary - which AddressSanitizer's allocator produces now and
// then - crashes the reduction. tests/probes/test_lapack_slack.cpp keeps the measurement.
constexpr int64_t kLapackSlack = 8;

// A zeroed buffer of n doubles for LAPACK, with kLapackSlack more after them.
inline std::vector<double> lapack_buffer(int64_t n) {
  return std::vector<double>(static_cast<size_t>(n + kLapackSlack), 0.0);
}

}  // namespace mp::probes

extern "C" {

// Symmetric -> tridiagonal (Q^T A Q = T), Householder reflectors left in A and tau.
void dsytrd_(const char* uplo, const int* n, double* a, const int* lda, double* d, double* e,
             double* tau, double* work, const int* lwork, int* info, size_t uplo_len);

// All eigenvalues of a symmetric tridiagonal matrix (root-free QL/QR), ascending in d.
void dsterf_(const int* n, double* d, double* e, int* info);

// Selected eigenpairs of a symmetric tridiagonal matrix by MRRR (ascending).
void dstemr_(const char* jobz, const char* range, const int* n, double* d, double* e,
             const double* vl, const double* vu, const int* il, const int* iu, int* m, double* w,
             double* z, const int* ldz, const int* nzc, int* isuppz, int* tryrac, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, size_t jobz_len,
             size_t range_len);

// All eigenpairs of a symmetric tridiagonal matrix by divide and conquer (compz = 'I').
void dstedc_(const char* compz, const int* n, double* d, double* e, double* z, const int* ldz,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info,
             size_t compz_len);

// C <- Q C with Q from dsytrd (back-transforms tridiagonal eigenvectors).
void dormtr_(const char* side, const char* uplo, const char* trans, const int* m, const int* n,
             const double* a, const int* lda, const double* tau, double* c, const int* ldc,
             double* work, const int* lwork, int* info, size_t side_len, size_t uplo_len,
             size_t trans_len);

// Full symmetric eigendecomposition (divide and conquer): the reference twin / test oracle.
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info,
             size_t jobz_len, size_t uplo_len);
}
