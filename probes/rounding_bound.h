#pragma once
// The constants and small helpers of the rounding-error bounds that certify probe arithmetic
// (masc_certified.cpp, masc_complement.cpp, class_eigen.cpp's orthogonality defect). One place,
// so every proof uses the same unit roundoffs and the same rounding-up conventions.
//
// Notation: Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1.

#include <cstdint>
#include <vector>

namespace mp::probes {

// Unit roundoff of float32 and float64 (round to nearest).
constexpr double kUnitRoundoffFloat = 0x1p-24;
constexpr double kUnitRoundoffDouble = 0x1p-53;

// gamma_n(u) = n u / (1 - n u): the relative error bound of n successive roundings (a sum or dot
// product of n terms in any order, with or without FMA). Meaningful for n u < 1 only; callers
// check that before trusting it.
inline double rounding_gamma(double n, double u) {
  return n * u / (1 - n * u);
}

// max_j ||r_j|| over the k x d row-major rows (rows.size() >= k * d), rounded up: the double sum
// of d exact-to-U squares is within gamma_d(U) relatively, sqrt adds U, far below the 2^-30
// added. The rows are summed in index order, as every caller did before this helper existed.
double max_row_norm_up(const std::vector<double>& rows, int64_t k, int64_t d);

}  // namespace mp::probes
