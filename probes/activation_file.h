#pragma once
// A layer's activations exported by any framework as a .npy, N rows x d columns, ready for the
// probes: float32 in C order is used in place (memory-mapped, never copied), float64 is converted
// to float32 once (the probes read float32 rows and accumulate in double). Anything else is
// refused with an mp::Error naming the file and what is wrong: not 2-D, another dtype, Fortran
// order, or rows holding NaN or Inf (counted, with the first row's index).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/activation_matrix.h"
#include "tensor/io/npy_map.h"

namespace mp::probes {

class ActivationFile {
 public:
  explicit ActivationFile(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& stored_dtype() const { return dtype_; }  // "<f4" or "<f8"
  bool converted() const { return !map_.has_value(); }        // a float32 copy was made
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  const float* data() const { return data_; }
  MatrixView view() const { return {data_, rows_, cols_}; }

 private:
  std::string path_, dtype_;
  std::optional<MappedNpy> map_;  // float32 used in place; released once a copy was made
  std::vector<float> owned_;      // float64 input (or float32 at an unaligned offset), converted
  const float* data_ = nullptr;
  int64_t rows_ = 0, cols_ = 0;
};

// Rows of an N x d matrix holding a NaN or an Inf: how many, and the first one (-1 if none).
struct NonFiniteRows {
  int64_t count = 0;
  int64_t first = -1;
};
NonFiniteRows find_non_finite_rows(const float* X, int64_t N, int64_t d);

}  // namespace mp::probes
