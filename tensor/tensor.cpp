#include "tensor/tensor.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace mp {

Tensor Tensor::empty(const Shape& shape) {
  Tensor t;
  t.storage_ = std::make_shared<Storage>(static_cast<size_t>(shape.numel()));
  t.shape_ = shape;
  t.strides_ = shape.contiguous_strides();
  return t;
}

Tensor Tensor::zeros(const Shape& shape) {
  return full(shape, 0.0f);
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
  MP_CHECK(static_cast<int64_t>(values.size()) == shape.numel(),
           "from_vector: " << values.size() << " values for shape " << shape.str());
  Tensor t = empty(shape);
  if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  return t;
}

int64_t Tensor::size(int d) const {
  if (d < 0) d += ndim();
  MP_CHECK(d >= 0 && d < ndim(), "dimension " << d << " out of range for shape " << shape_.str());
  return shape_[d];
}

bool Tensor::is_contiguous() const {
  int64_t expect = 1;
  for (int i = ndim() - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != expect) return false;
    expect *= shape_[i];
  }
  return true;
}

float* Tensor::data() {
  MP_CHECK(defined(), "data() of an undefined tensor");
  return storage_->data() + offset_;
}

const float* Tensor::data() const {
  MP_CHECK(defined(), "data() of an undefined tensor");
  return storage_->data() + offset_;
}

float Tensor::item() const {
  MP_CHECK(numel() == 1, "item() of a tensor with " << numel() << " elements " << shape_.str());
  return data()[0];
}

std::vector<float> Tensor::to_vector() const {
  Tensor c = contiguous();
  return std::vector<float>(c.data(), c.data() + c.numel());
}

float Tensor::at(std::initializer_list<int64_t> idx) const {
  MP_CHECK(static_cast<int>(idx.size()) == ndim(),
           "at(): " << idx.size() << " indices for " << shape_.str());
  int64_t off = 0;
  int i = 0;
  for (int64_t v : idx) {
    MP_CHECK(v >= 0 && v < shape_[i], "at(): index " << v << " out of range in dim " << i);
    off += v * strides_[i++];
  }
  return storage_->data()[offset_ + off];
}

std::string Tensor::str() const {
  std::ostringstream os;
  os << "Tensor" << shape_.str();
  if (defined()) {
    std::vector<float> v = to_vector();
    os << " {";
    for (size_t i = 0; i < std::min<size_t>(v.size(), 8); ++i) os << (i ? ", " : "") << v[i];
    if (v.size() > 8) os << ", ...";
    os << "}";
  }
  return os.str();
}

Tensor Tensor::view(const Shape& shape) const {
  MP_CHECK(is_contiguous(),
           "view() of a non-contiguous tensor " << shape_.str() << "; call contiguous() first");
  MP_CHECK(shape.numel() == numel(),
           "view(): cannot view " << shape_.str() << " as " << shape.str());
  Tensor t = *this;
  t.shape_ = shape;
  t.strides_ = shape.contiguous_strides();
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  return is_contiguous() ? view(shape) : contiguous().view(shape);
}

Tensor Tensor::flatten(int start_dim) const {
  if (start_dim < 0) start_dim += ndim();
  MP_CHECK(start_dim >= 0 && start_dim <= ndim(),
           "flatten(" << start_dim << ") of " << shape_.str());
  Shape s;
  int64_t rest = 1;
  for (int i = 0; i < ndim(); ++i) {
    if (i < start_dim)
      s.push_back(shape_[i]);
    else
      rest *= shape_[i];
  }
  s.push_back(rest);
  return reshape(s);
}

Tensor Tensor::transpose(int a, int b) const {
  if (a < 0) a += ndim();
  if (b < 0) b += ndim();
  MP_CHECK(a >= 0 && a < ndim() && b >= 0 && b < ndim(),
           "transpose(" << a << ", " << b << ") of " << shape_.str());
  Tensor t = *this;
  std::swap(t.shape_[a], t.shape_[b]);
  std::swap(t.strides_[a], t.strides_[b]);
  return t;
}

Tensor Tensor::slice0(int64_t begin, int64_t end) const {
  MP_CHECK(ndim() >= 1, "slice0 of a scalar");
  MP_CHECK(0 <= begin && begin <= end && end <= shape_[0],
           "slice0(" << begin << ", " << end << ") of " << shape_.str());
  Tensor t = *this;
  t.shape_[0] = end - begin;
  t.offset_ = offset_ + begin * strides_[0];
  return t;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_);
  t.copy_from(*this);
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  MP_CHECK(src.shape() == shape_,
           "copy_from: shape " << src.shape().str() << " into " << shape_.str());
  MP_CHECK(is_contiguous(), "copy_from into a non-contiguous tensor");
  float* dst = data();
  if (src.is_contiguous()) {
    if (numel()) std::memcpy(dst, src.data(), numel() * sizeof(float));
    return;
  }
  // Strided gather: walk a multi-index in row-major order (generic, used only off the hot path).
  const int nd = ndim();
  int64_t idx[kMaxDims] = {0, 0, 0, 0, 0};
  const float* base = src.storage_->data() + src.offset_;
  const int64_t n = numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int d = 0; d < nd; ++d) off += idx[d] * src.strides_[d];
    dst[i] = base[off];
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape_[d]) break;
      idx[d] = 0;
    }
  }
}

void Tensor::fill(float value) {
  MP_CHECK(is_contiguous(), "fill of a non-contiguous tensor");
  std::fill(data(), data() + numel(), value);
}

}  // namespace mp
