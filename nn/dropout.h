#pragma once
// Dropout (inverted): active only in training mode, the identity in evaluation (so probing,
// transfer and every evaluation see the deterministic network). Owns its generator, so a model
// with dropout is still a pure function of its seeds: the generator is seeded at construction
// and can be reseeded (reseed_dropout) - the trainer reseeds every epoch from (seed, epoch), so
// a run resumed at an epoch boundary draws the same masks as an uninterrupted one.
#include <cstdint>

#include "nn/module.h"
#include "tensor/rng.h"

namespace mp::nn {

class Dropout : public Module {
 public:
  // Seeded from one draw of `rng` (which then advances).
  Dropout(float p, Rng& rng);
  // Seeded directly: a model's weights stay those of the dropout-free model of the same seed.
  Dropout(float p, uint32_t seed);
  ag::Var forward(const ag::Var& x) override;
  std::string type_name() const override { return "Dropout"; }
  float p() const { return p_; }
  void reseed(uint32_t seed) { rng_ = Rng(seed); }

 private:
  float p_;
  Rng rng_;
};

// Reseeds every Dropout in `m` (depth first, construction order): the i-th from the i-th draw of
// Rng(seed). Returns how many there are (0 for a model without dropout).
int reseed_dropout(Module& m, uint32_t seed);

}  // namespace mp::nn
