#pragma once
// A layer's activations as the probes see them: N rows (samples) x d columns (the layer's output
// flattened C*H*W), row-major float32 exactly as the network produced them. The probes
// themselves take (const float* X, int64_t N, int64_t d) so any buffer works; this holder is the
// convenient owner for code that collects activations batch by batch.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "tensor/check.h"

namespace mp::probes {

struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;

  Matrix() = default;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), data(checked_size(r, c), 0.0f) {}

  float* row(int64_t i) { return data.data() + i * cols; }
  const float* row(int64_t i) const { return data.data() + i * cols; }
  float& at(int64_t i, int64_t j) { return data[static_cast<size_t>(i * cols + j)]; }
  float at(int64_t i, int64_t j) const { return data[static_cast<size_t>(i * cols + j)]; }

  // Append n rows of cols floats (a batch of activations); the first call fixes cols.
  void append_rows(const float* src, int64_t n, int64_t c) {
    MP_CHECK(n >= 0 && c > 0, "probes/Matrix::append_rows: bad batch shape " << n << " x " << c);
    if (rows == 0 && data.empty()) cols = c;
    MP_CHECK(c == cols,
             "probes/Matrix::append_rows: batch has " << c << " columns, matrix has " << cols);
    data.insert(data.end(), src, src + n * c);
    rows += n;
  }

  // Rows [begin, end) as a new matrix.
  Matrix slice_rows(int64_t begin, int64_t end) const {
    MP_CHECK(0 <= begin && begin <= end && end <= rows,
             "probes/Matrix::slice_rows: [" << begin << ", " << end << ") outside 0.." << rows);
    Matrix m(end - begin, cols);
    std::copy(row(begin), row(begin) + (end - begin) * cols, m.data.begin());
    return m;
  }

  // Throws unless the stored size matches rows x cols (a holder filled by hand can drift).
  void validate(const char* who) const {
    MP_CHECK(rows >= 0 && cols >= 0 && static_cast<int64_t>(data.size()) == rows * cols,
             who << ": activation matrix claims " << rows << " x " << cols << " but holds "
                 << data.size() << " floats");
  }

 private:
  static size_t checked_size(int64_t r, int64_t c) {
    MP_CHECK(r >= 0 && c >= 0, "probes/Matrix: negative shape " << r << " x " << c);
    return static_cast<size_t>(r * c);
  }
};

// A read-only N x d row-major float32 matrix whose memory someone else owns (a Matrix, or a
// memory-mapped .npy: probes/activation_file.h). What probe_layer() reads.
struct MatrixView {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
};

inline MatrixView view_of(const Matrix& m) {
  return {m.data.data(), m.rows, m.cols};
}

}  // namespace mp::probes
