#include "tensor/dropout.h"

#include "tensor/check.h"

namespace mp {

void dropout_mask(Rng& rng, float p, float* mask, int64_t n) {
  MP_CHECK(p >= 0.0f && p < 1.0f, "dropout_mask: p = " << p << " must be in [0, 1)");
  // One 32-bit draw per element, top 24 bits as u in [0, 1) on a 2^-24 grid: drop when u < p.
  // (A 53-bit uniform_double costs two draws; 24 bits resolve p far finer than training needs.)
  const uint32_t threshold = static_cast<uint32_t>(static_cast<double>(p) * 16777216.0);
  const float keep = static_cast<float>(1.0 / (1.0 - static_cast<double>(p)));
  for (int64_t i = 0; i < n; ++i) mask[i] = (rng.next_u32() >> 8) < threshold ? 0.0f : keep;
}

}  // namespace mp
