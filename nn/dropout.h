#pragma once
// Dropout (inverted): active only in training mode. Owns its generator, seeded from the Rng
// given at construction, so a model with dropout is still a pure function of its seed.
#include "nn/module.h"
#include "tensor/rng.h"

namespace mp::nn {

class Dropout : public Module {
 public:
  Dropout(float p, Rng& rng);
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "Dropout"; }

 private:
  float p_;
  Rng rng_;
};

}  // namespace mp::nn
