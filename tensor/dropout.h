#pragma once
// Inverted dropout mask: mask[i] = 0 with probability p, else 1/(1-p), so that
// y = x * mask keeps the expectation of x and evaluation needs no rescaling.
#include <cstdint>

#include "tensor/rng.h"

namespace mp {

// mask [n]; p in [0, 1). Draws one 32-bit value per element from rng (deterministic by seed):
// dropped when its top 24 bits, read as u in [0, 1), fall below p.
void dropout_mask(Rng& rng, float p, float* mask, int64_t n);

}  // namespace mp
