#include "probes/activation_file.h"

#include <cfloat>
#include <cmath>
#include <cstring>

#include "tensor/check.h"

namespace mp::probes {

ActivationFile::ActivationFile(const std::string& path) : path_(path) {
  map_.emplace(path);
  const std::vector<int64_t> shape = map_->shape();
  dtype_ = map_->dtype();
  const std::string& dtype = dtype_;
  MP_CHECK(shape.size() == 2,
           path << ": activations must be a 2-D array (N rows x d columns), "
                << "this one has " << shape.size() << " dimensions"
                << (shape.size() > 2 ? " (flatten it: a.reshape(len(a), -1))" : ""));
  MP_CHECK(dtype == "<f4" || dtype == "<f8", path << ": unsupported dtype '" << dtype
                                                  << "' for activations (use float32 or "
                                                  << "float64: a.astype(np.float32))");
  MP_CHECK(!map_->fortran_order(),
           path << ": the array is in Fortran (column-major) order; save it in C order "
                << "(np.save(f, np.ascontiguousarray(a)))");
  rows_ = shape[0];
  cols_ = shape[1];
  MP_CHECK(rows_ > 0 && cols_ > 0,
           path << ": empty activation matrix (" << rows_ << " x " << cols_ << ")");
  const uint8_t* src = map_->data();
  const size_t n = static_cast<size_t>(rows_) * static_cast<size_t>(cols_);
  if (dtype == "<f4" && reinterpret_cast<uintptr_t>(src) % alignof(float) == 0) {
    data_ = reinterpret_cast<const float*>(src);
  } else {
    owned_.resize(n);
    if (dtype == "<f4") {
      std::memcpy(owned_.data(), src, n * sizeof(float));
    } else {
      // Rounded to nearest float32; a value beyond float32's range becomes Inf and is then
      // reported by the non-finite check below like any other Inf.
      const int64_t N = rows_, d = cols_;
      float* dst = owned_.data();
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < N; ++i) {
        for (int64_t j = 0; j < d; ++j) {
          double v;
          std::memcpy(&v, src + (static_cast<size_t>(i * d + j)) * sizeof(double), sizeof v);
          dst[i * d + j] = static_cast<float>(v);
        }
      }
    }
    data_ = owned_.data();
    map_.reset();  // the file's pages are no longer needed
  }
  const NonFiniteRows bad = find_non_finite_rows(data_, rows_, cols_);
  MP_CHECK(bad.count == 0, path << ": " << bad.count << " of " << rows_
                                << " rows contain NaN or Inf (first: row " << bad.first << ")"
                                << (dtype == "<f8" ? " (as float32: float64 values beyond "
                                                     "float32's range count as Inf)"
                                                   : ""));
}

NonFiniteRows find_non_finite_rows(const float* X, int64_t N, int64_t d) {
  int64_t count = 0, first = N;
#pragma omp parallel for schedule(static) reduction(+ : count) reduction(min : first)
  for (int64_t i = 0; i < N; ++i) {
    const float* r = X + i * d;
    // |x| <= FLT_MAX is false exactly for NaN and +-Inf; the OR reduction vectorises.
    int bad = 0;
    for (int64_t j = 0; j < d; ++j) bad |= !(std::fabs(r[j]) <= FLT_MAX);
    if (bad) {
      ++count;
      if (i < first) first = i;
    }
  }
  return {count, count > 0 ? first : -1};
}

}  // namespace mp::probes
