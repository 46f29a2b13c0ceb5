#pragma once
// Helpers shared by the model tests in tests/nn (kept out of tests/test_util.h, which the tensor
// and autograd tests include and which must not depend on nn/).
#include <map>
#include <string>

#include "nn/module.h"

namespace mp::testing {

// Parameter name -> shape, from the module's state dict (PyTorch's names).
inline std::map<std::string, Shape> shapes_of(const nn::Module& m) {
  std::map<std::string, Shape> out;
  for (const auto& [n, t] : m.state_dict()) out[n] = t.shape();
  return out;
}

}  // namespace mp::testing
