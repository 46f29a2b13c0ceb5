#pragma once
// Tensor: a float32 array of up to 5 dimensions over shared Storage, described by shape,
// strides and offset (all counted in elements, PyTorch-style). Views (reshape of a contiguous
// tensor, flatten, transpose, slice along dim 0) share storage; contiguous() copies only when
// needed. Kernels (tensor/*.h) take raw pointers to contiguous row-major data; NCHW for images.
// This layer knows nothing of gradients: autograd/ wraps tensors in Variables.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/check.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace mp {

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() == false

  // --- creation (fresh contiguous storage) ---
  static Tensor empty(const Shape& shape);  // uninitialised
  static Tensor zeros(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values);
  static Tensor scalar(float value) { return full(Shape{}, value); }

  // --- metadata ---
  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int ndim() const { return shape_.ndim(); }
  int64_t size(int d) const;  // negative d counts from the end
  int64_t numel() const { return shape_.numel(); }
  bool is_contiguous() const;
  bool same_storage(const Tensor& o) const { return storage_ == o.storage_; }
  std::string str() const;  // shape and first values, for messages

  // --- data access: pointer to element [0,...,0]; use only on contiguous tensors in kernels ---
  float* data();
  const float* data() const;
  float item() const;                                  // the single element of a 1-element tensor
  std::vector<float> to_vector() const;                // logical (row-major) order, any strides
  float at(std::initializer_list<int64_t> idx) const;  // bounds-checked, for tests

  // --- views and copies ---
  Tensor view(const Shape& shape) const;     // requires contiguous; one extent may be -1? no: exact
  Tensor reshape(const Shape& shape) const;  // view if contiguous, else copy
  Tensor flatten(int start_dim = 1) const;   // dims [start_dim, end) merged into one
  Tensor transpose(int a, int b) const;      // view with swapped strides
  Tensor slice0(int64_t begin, int64_t end) const;  // rows [begin, end) along dim 0, a view
  Tensor contiguous() const;                        // *this if contiguous, else a row-major copy
  Tensor clone() const;                             // always a fresh contiguous copy
  void copy_from(const Tensor& src);  // same shape; any strides on src; *this contiguous
  void fill(float value);             // *this contiguous

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
};

}  // namespace mp
