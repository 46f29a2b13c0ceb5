#pragma once
// Small helpers shared by the ops_*.cpp files (not part of the public API).
#include "autograd/var.h"
#include "tensor/tensor.h"

namespace mp::ag::detail {

// The data of v as a contiguous tensor (a copy only when v is a strided view).
inline Tensor contig(const Var& v) {
  return v.data().contiguous();
}

// Shape of a Var or "undefined", for error messages.
inline std::string shape_str(const Var& v) {
  return v.defined() ? v.shape().str() : "undefined";
}

}  // namespace mp::ag::detail
