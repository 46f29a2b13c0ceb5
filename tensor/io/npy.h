#pragma once
// NumPy .npy files (format version 1.0 written; 1.0, 2.0 and 3.0 read), so activations, probe
// results and golden values move between memprobe and numpy with `np.load`. The header is
// written byte-for-byte as numpy 1.24 writes it (same dict text, same spare space, total header
// a multiple of 64 bytes). The reader validates strictly and throws mp::Error naming the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/io/atomic_file.h"
#include "tensor/tensor.h"

namespace mp {

struct NpyArray {
  std::string dtype;  // numpy descr: "<f4", "<f8", "<i4", "<i8", "|u1", "|i1", "|b1", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // little-endian elements, in C order unless fortran_order
  bool fortran_order = false;

  int64_t numel() const;
};

// Bytes per element of a supported descr (little-endian or byte-sized only), else 0.
size_t npy_dtype_size(const std::string& dtype);

// The complete header (magic, version, length, dict, padding, '\n') numpy 1.24 writes.
std::string npy_header(const std::string& dtype, const std::vector<int64_t>& shape,
                       bool fortran_order = false);

// --- writers (atomic: AtomicWriter) ---
void save_npy(const std::string& path, const Tensor& t);  // '<f4', C order, any strides
void save_npy(const std::string& path, const NpyArray& a);
void save_npy_f32(const std::string& path, const float* data, const std::vector<int64_t>& shape);
void save_npy_f64(const std::string& path, const double* data, const std::vector<int64_t>& shape);
void save_npy_i32(const std::string& path, const int32_t* data, const std::vector<int64_t>& shape);
void save_npy_i64(const std::string& path, const int64_t* data, const std::vector<int64_t>& shape);
void save_npy_u8(const std::string& path, const uint8_t* data, const std::vector<int64_t>& shape);

// Writes an array row block by row block (a "row" is one index of axis 0), so activations of a
// whole dataset never have to sit in memory at once. If shape[0] < 0 the row count is whatever
// was appended, written into the header at commit() (numpy's spare header space makes the
// header length independent of the count). Without commit() no file appears.
class NpyWriter {
 public:
  NpyWriter(const std::string& path, const std::string& dtype, const std::vector<int64_t>& shape);
  void append(const void* rows, int64_t n_rows);  // n_rows * row_bytes() bytes
  void append(const Tensor& rows);                // dtype "<f4"; shape [n, shape[1], ...]
  void commit();
  int64_t rows_written() const { return rows_; }
  size_t row_bytes() const { return row_bytes_; }

 private:
  AtomicWriter w_;
  std::string dtype_;
  std::vector<int64_t> shape_;
  size_t row_bytes_ = 0;
  int64_t rows_ = 0;
};

// --- readers ---
// What the header says, validated against the file size: the data are the `data_bytes` bytes
// from `data_offset` to the end. The one header parser, shared by the copying reader below and
// the memory-mapped one (tensor/io/npy_map.h).
struct NpyHeader {
  std::string dtype;
  std::vector<int64_t> shape;
  bool fortran_order = false;
  size_t data_offset = 0;
  size_t data_bytes = 0;
};
NpyHeader parse_npy_header(const uint8_t* data, size_t n, const std::string& name);

NpyArray load_npy(const std::string& path);
// The same validation on bytes in memory; `name` is used in error messages.
NpyArray parse_npy(const uint8_t* data, size_t n, const std::string& name);

// Conversions; each throws if the dtype does not fit. Fortran-order arrays are reordered to C.
Tensor npy_to_tensor(const NpyArray& a);             // "<f4", at most 5 dimensions
std::vector<double> npy_to_f64(const NpyArray& a);   // "<f4" or "<f8"
std::vector<int64_t> npy_to_i64(const NpyArray& a);  // any integer or bool dtype

}  // namespace mp
