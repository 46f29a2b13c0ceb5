#include "nn/sequential.h"

namespace mp::nn {

ag::Var Sequential::forward(const ag::Var& x) {
  ag::Var h = x;
  for (auto& m : layers_) h = m->forward(h);
  return h;
}

}  // namespace mp::nn
