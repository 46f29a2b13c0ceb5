#include "tensor/shape.h"

#include "tensor/check.h"

namespace mp {

Shape::Shape(std::initializer_list<int64_t> dims) {
  MP_CHECK(dims.size() <= static_cast<size_t>(kMaxDims),
           "at most 5 dimensions, got " << dims.size());
  for (int64_t v : dims) push_back(v);
}

Shape::Shape(const std::vector<int64_t>& dims) {
  MP_CHECK(dims.size() <= static_cast<size_t>(kMaxDims),
           "at most 5 dimensions, got " << dims.size());
  for (int64_t v : dims) push_back(v);
}

void Shape::push_back(int64_t v) {
  MP_CHECK(n_ < kMaxDims, "at most 5 dimensions");
  MP_CHECK(v >= 0, "negative extent " << v);
  d_[n_++] = v;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < n_; ++i) n *= d_[i];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (n_ != o.n_) return false;
  for (int i = 0; i < n_; ++i)
    if (d_[i] != o.d_[i]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < n_; ++i) {
    if (i) s += ", ";
    s += std::to_string(d_[i]);
  }
  return s + "]";
}

Shape Shape::contiguous_strides() const {
  Shape s;
  s.n_ = n_;
  int64_t acc = 1;
  for (int i = n_ - 1; i >= 0; --i) {
    s.d_[i] = acc;
    acc *= d_[i];
  }
  return s;
}

}  // namespace mp
