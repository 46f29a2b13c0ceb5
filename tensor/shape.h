#pragma once
// Shape and strides of a tensor: up to kMaxDims dimensions, counted in elements, row-major.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mp {

constexpr int kMaxDims = 5;

// A small fixed-capacity array of extents. Fixed capacity keeps tensor creation free of heap
// allocation, which matters for batch-32 training where per-op overhead is exposed.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);

  int ndim() const { return n_; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t& operator[](int i) { return d_[i]; }
  int64_t numel() const;
  std::vector<int64_t> vec() const { return std::vector<int64_t>(d_, d_ + n_); }
  void push_back(int64_t v);
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[32, 1, 28, 28]"

  // Row-major (C order) strides for this shape.
  Shape contiguous_strides() const;

 private:
  int n_ = 0;
  int64_t d_[kMaxDims] = {0, 0, 0, 0, 0};
};

}  // namespace mp
